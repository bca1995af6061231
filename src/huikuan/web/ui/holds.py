"""The case page's holds section (tab "facts"): the debtor's holds with who set them, why and until when;
a form to set one and a button to end one (services/holds.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from huikuan.compliance.model import ESTATE_ROLES, Role
from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput, NotFound
from huikuan.i18n import gettext
from huikuan.services.access import Viewer, case_to_work, may_work, visible_case
from huikuan.services.case_labels import label
from huikuan.services.holds import KINDS, SetHold, end_hold, hold_debtor, holds_for, set_hold
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    page_router,
    render,
    request_locale,
)

router = page_router()

# English msgids (holds.po) of each kind, for the list, the form and the header's badge.
KIND_LABELS = {
    "hardship": "Hardship pause",
    "attorney": "Represented by an attorney",
    "deceased": "Deceased",
    "bankruptcy": "Bankruptcy",
    "cease": "Cease contact",
    "breathing_space": "Breathing Space (60 days)",
    "breathing_space_crisis": "Mental health crisis Breathing Space",
    "vulnerability": "Vulnerable: trained collector only",
}
SOURCE_LABELS = {
    "collector": "Collector",
    "debtor": "The debtor",
    "creditor": "The creditor",
    "import": "Import",
}
STATUS_LABELS = {"open": "In force", "expired": "Its end has passed", "ended": "Ended"}
PARTY_ROLES = (Role.ATTORNEY.value, *sorted(r.value for r in ESTATE_ROLES))


def _kinds(uow: UnitOfWork, case: Any) -> list[str]:
    """The kinds that may be set under the case's pack (a Breathing Space only where it is law)."""
    cr = t.creditors.c
    row = uow.session.execute(select(cr.pack, cr.pack_overrides).where(cr.id == case.creditor_id)).one()
    breathing = creditor_pack(row.pack, row.pack_overrides).enabled("breathing-space")
    return [k for k in KINDS if breathing or not k.startswith("breathing_space")]


def _parties(uow: UnitOfWork, debtor_id: int) -> list[dict[str, Any]]:
    p = t.parties.c
    rows = uow.session.execute(
        select(p.id, p.name, p.role).where(p.debtor_id == debtor_id, p.role.in_(PARTY_ROLES)).order_by(p.id)
    )
    return [dict(r._mapping) for r in rows]


def _panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str | None = None
) -> HTMLResponse:
    case = visible_case(uow, viewer, case_id)
    context = {
        "case_id": case_id,
        "holds": holds_for(uow, case.debtor_id),
        "can_write": may_work(uow, viewer, case_id),
        "kinds": _kinds(uow, case),
        "parties": _parties(uow, case.debtor_id),
        "party_roles": PARTY_ROLES,
        "kind_labels": KIND_LABELS,
        "source_labels": SOURCE_LABELS,
        "status_labels": STATUS_LABELS,
        "notice": notice,
        "lbl": lambda vocabulary, value: label(vocabulary, value, request_locale(request)),
    }
    return render(request, "case/_holds.html", context)


@router.get("/cases/{case_id}/panels/holds", response_class=HTMLResponse)
def holds_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The debtor's holds, open ones first; the form and the end buttons for those who may work the case."""
    return _panel(request, uow, viewer, case_id)


def _day(text: str) -> date | None:
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("until: {value} is not a date (YYYY-MM-DD)", value=value) from None


@router.post("/cases/{case_id}/holds", response_class=HTMLResponse)
def post_hold(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[str, Form()],
    until: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    source: Annotated[str, Form()] = "collector",
    party_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    party_name: Annotated[str, Form(max_length=200)] = "",
    party_role: Annotated[str, Form()] = "",
    point_kind: Annotated[str, Form()] = "mobile",
    point_value: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Sets a hold on the case's debtor: the gate refuses under it from now on."""
    case = case_to_work(uow, viewer, case_id)
    cmd = SetHold(
        debtor_id=case.debtor_id,
        kind=kind,
        until=_day(until),
        note=note,
        source=source,
        party_id=party_id,
        party_name=party_name or None,
        party_role=party_role or None,
        point_kind=point_kind or None,
        point_value=point_value or None,
    )
    set_hold(uow, viewer.user_id, cmd)
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}?tab=facts", status_code=303)
    notice = gettext("Hold set: the gate applies it now.", request_locale(request))
    return case_changed(_panel(request, uow, viewer, case_id, notice))


@router.post("/cases/{case_id}/holds/{hold_id}/end", response_class=HTMLResponse)
def post_hold_end(
    request: Request,
    case_id: PathId,
    hold_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Ends one of the case's debtor's holds."""
    case = case_to_work(uow, viewer, case_id)
    try:
        if hold_debtor(uow, hold_id) != case.debtor_id:
            raise NotFound("no hold {hold_id}", hold_id=hold_id)
    except NotFound:
        raise NotFound("no hold {hold_id}", hold_id=hold_id) from None
    end_hold(uow, viewer.user_id, hold_id, reason)
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}?tab=facts", status_code=303)
    notice = gettext("Hold ended: the gate no longer applies it.", request_locale(request))
    return case_changed(_panel(request, uow, viewer, case_id, notice))
