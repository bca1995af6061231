"""The creditors in the administration: the list with the form that adds one, and each creditor's page with
its details, its negotiation authority per role, and its compliance pack and tightening with a preview of
what a change does to today's plan (services/creditor_admin.py, services/pack_preview.py).

Supervisors read; administrators change. What is refused is shown beside the form it came from (422), the
fields as typed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from huikuan.errors import AlreadyExists, InvalidInput
from huikuan.services import creditor_admin, terms_desk
from huikuan.services.access import Viewer, require_admin
from huikuan.services.activity_mapping import COLUMNS as ACTIVITY_COLUMNS
from huikuan.services.activity_mapping import mapping_of, parse_mapping, set_mapping
from huikuan.services.arrangement_terms import LIMITS
from huikuan.services.creditor_admin import CreditorDetails, NewCreditor
from huikuan.services.creditors import KNOWN_PACKS
from huikuan.services.monthly_access import monthly_report_list
from huikuan.services.pack_preview import plan_impact
from huikuan.services.report_recipients import recipients_of
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.form_submit import submit

router = page_router("/admin")

ZONES = tuple(sorted(available_timezones()))
NOTICES = {
    "created": "Creditor added.",
    "details": "Details saved.",
    "authority": "Authority saved.",
    "pack": "Pack and tightening saved.",
    "activity": "Activity file columns saved.",
    "recipients": "Report recipients saved.",
}
# The form's words for each limit (percent of the balance, or a count).
PERCENT_LIMITS = ("max_discount_bp", "min_first_payment_bp")


def _list(uow: UnitOfWork, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    return {
        "creditors": terms_desk.creditors(uow, viewer),
        "packs": KNOWN_PACKS,
        "zones": ZONES,
        "can_edit": viewer.role.value == "admin",
        "typed": None,
        "error": "",
        **extra,
    }


@router.get("/creditors", response_class=HTMLResponse)
def creditors_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """Every creditor, with links to its page and its money terms; an administrator's form adds one."""
    return render(request, "admin/creditors.html", _list(uow, viewer))


@router.post("/creditors", response_class=HTMLResponse)
def create_creditor(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    code: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    region: Annotated[str, Form(max_length=2)] = "CN",
    currency: Annotated[str, Form(max_length=3)] = "CNY",
    pack: Annotated[str, Form(max_length=40)] = "cn",
    time_zone: Annotated[str, Form(max_length=64)] = "",
    retention_years: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    require_admin(viewer)
    typed = {
        "code": code,
        "name": name,
        "region": region,
        "currency": currency,
        "pack": pack,
        "time_zone": time_zone,
        "retention_years": retention_years,
    }

    def create() -> int:
        cmd = NewCreditor(code, name, region, currency, pack, time_zone or None, _years(retention_years))
        return creditor_admin.create(uow, viewer, cmd, datetime.now(UTC))

    def refused(error: str) -> HTMLResponse:
        context = _list(uow, viewer, typed=typed, error=error)
        return render(request, "admin/creditors.html", context, status_code=422)

    return submit(
        request,
        uow,
        create,
        done=lambda creditor_id: f"/admin/creditors/{creditor_id}?done=created",
        refused=refused,
        catch=(InvalidInput, AlreadyExists),
    )


def _years(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("Retention: a whole number of years, or empty for the pack's default")
    return int(value)


def _page(uow: UnitOfWork, viewer: Viewer, creditor_id: int, **extra: Any) -> dict[str, Any]:
    data = creditor_admin.detail(uow, viewer, creditor_id)
    can_edit = viewer.role.value == "admin"
    return {
        **data,
        "zones": ZONES,
        "limits": LIMITS,
        "percent_limits": PERCENT_LIMITS,
        "pct": lambda bp: f"{(Decimal(bp) / 100).normalize():f}",
        "can_edit": can_edit,
        "activity_columns": ACTIVITY_COLUMNS,
        "activity_mapping": mapping_of(uow, creditor_id),
        "report_recipients": recipients_of(uow, creditor_id),
        "typed_recipients": None,
        "monthly_reports": monthly_report_list(uow, viewer, creditor_id) if can_edit else [],
        "typed_pack": None,
        "impact": None,
        "errors": {},
        "notice": "",
        **extra,
    }


@router.get("/creditors/{creditor_id}", response_class=HTMLResponse)
def creditor_page(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """The creditor's details, authority and pack; the forms for an administrator."""
    notice = NOTICES.get(done, "")
    return render(request, "admin/creditor.html", _page(uow, viewer, creditor_id, notice=notice))


def _refused(
    request: Request,
    uow: UnitOfWork,
    viewer: Viewer,
    creditor_id: int,
    part: str,
    message: str,
    **extra: Any,
) -> HTMLResponse:
    """The creditor's page again, `message` beside the form `part` (the unit of work rolled back)."""
    context = _page(uow, viewer, creditor_id, errors={part: message}, **extra)
    return render(request, "admin/creditor.html", context, status_code=422)


@router.post("/creditors/{creditor_id}", response_class=HTMLResponse)
def save_details(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    name: Annotated[str, Form(max_length=200)] = "",
    time_zone: Annotated[str, Form(max_length=64)] = "",
    retention_years: Annotated[str, Form(max_length=3)] = "",
    sandbox: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    require_admin(viewer)

    def update() -> None:
        details = CreditorDetails(name, time_zone, _years(retention_years), sandbox == "on")
        creditor_admin.update(uow, viewer, creditor_id, details, datetime.now(UTC))

    return submit(
        request,
        uow,
        update,
        done=f"/admin/creditors/{creditor_id}?done=details",
        refused=lambda error: _refused(request, uow, viewer, creditor_id, "details", error),
    )


def _limit(name: str, text: str) -> int:
    """A limit as typed: a percentage of the balance (in basis points), or a count of instalments."""
    value = text.strip().rstrip("%")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal(-1)
    scaled = number * 100 if name in PERCENT_LIMITS else number
    if not number.is_finite() or scaled != scaled.to_integral_value() or scaled < 0:
        raise InvalidInput("{limit}: {value} is not a number the limit takes", limit=name, value=text)
    return int(scaled)


@router.post("/creditors/{creditor_id}/authority", response_class=HTMLResponse)
def save_authority(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    role: Annotated[str, Form(max_length=20)] = "",
    max_discount_bp: Annotated[str, Form(max_length=10)] = "",
    max_instalments: Annotated[str, Form(max_length=10)] = "",
    min_first_payment_bp: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require_admin(viewer)
    typed = {
        "max_discount_bp": max_discount_bp,
        "max_instalments": max_instalments,
        "min_first_payment_bp": min_first_payment_bp,
    }

    def set_authority() -> None:
        limits = {name: _limit(name, typed[name]) for name in LIMITS}
        creditor_admin.set_authority(uow, viewer, creditor_id, role, limits, datetime.now(UTC))

    return submit(
        request,
        uow,
        set_authority,
        done=f"/admin/creditors/{creditor_id}?done=authority",
        refused=lambda error: _refused(request, uow, viewer, creditor_id, f"authority-{role}", error),
    )


@router.post("/creditors/{creditor_id}/activity-mapping", response_class=HTMLResponse)
def save_activity_mapping(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    mapping: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The creditor's own headers for its daily activity file (`column=header`, one a line; empty: ours)."""
    require_admin(viewer)
    creditor_admin.detail(uow, viewer, creditor_id)  # an unknown creditor is not found
    return submit(
        request,
        uow,
        lambda: set_mapping(uow, viewer.user_id, creditor_id, parse_mapping(mapping)),
        done=f"/admin/creditors/{creditor_id}?done=activity",
        refused=lambda error: _refused(request, uow, viewer, creditor_id, "activity", error),
    )


@router.post("/creditors/{creditor_id}/pack/preview", response_class=HTMLResponse)
def preview_pack(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    pack: Annotated[str, Form(max_length=40)] = "",
    overrides: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """What the pack and tightening as typed would refuse of today's plan; nothing is saved."""
    typed = {"pack": pack, "overrides": overrides}
    try:
        impact = plan_impact(uow, viewer, creditor_id, pack, overrides, datetime.now(UTC))
    except InvalidInput as exc:
        uow.rollback()
        error = exc.translated(request_locale(request))
        return _refused(request, uow, viewer, creditor_id, "pack", error, typed_pack=typed)
    context = _page(uow, viewer, creditor_id, typed_pack=typed, impact=impact)
    return render(request, "admin/creditor.html", context)


@router.post("/creditors/{creditor_id}/pack", response_class=HTMLResponse)
def save_pack(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    pack: Annotated[str, Form(max_length=40)] = "",
    overrides: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    require_admin(viewer)
    typed = {"pack": pack, "overrides": overrides}
    return submit(
        request,
        uow,
        lambda: creditor_admin.set_pack(uow, viewer, creditor_id, pack, overrides, datetime.now(UTC)),
        done=f"/admin/creditors/{creditor_id}?done=pack",
        refused=lambda error: _refused(request, uow, viewer, creditor_id, "pack", error, typed_pack=typed),
    )
