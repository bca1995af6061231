"""Workbench pages of the negotiation area: the promise and negotiation panels of the case page, and the
supervisor's approval queue (docs/negotiation.md).

Forms post text; this module turns it into dates and counts (a clear message on bad input) and calls
services/promises.py and services/negotiation.py. A panel answers an htmx post with itself refreshed and
`HX-Trigger: case-changed` (the timeline and the case header reload); a plain post is redirected.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services import negotiation as neg
from huikuan.services.access import Viewer, may_work
from huikuan.services.arrangement_terms import Excess, Offer
from huikuan.services.case_labels import label
from huikuan.services.offers import approvals, negotiation_of
from huikuan.services.promises import promises_of
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    page_router,
    parse_day,
    render,
    request_locale,
)

router = page_router()

TONES = {
    "kept": "ok",
    "active": "ok",
    "completed": "ok",
    "paid": "ok",
    "pending": "warn",
    "awaiting_approval": "warn",
    "partly_kept": "warn",
    "partly_paid": "warn",
    "broken": "bad",
    "rejected": "bad",
    "missed": "bad",
}
EXCESS = {
    "max_discount_bp": "Discount {offered}% is {by}% above the limit of {allowed}%",
    "max_instalments": "{offered} payments are {by} more than the limit of {allowed}",
    "min_first_payment_bp": "First payment {offered}% of the total is {by}% below the minimum of {allowed}%",
}


def pct(basis_points: int) -> str:
    """1667 -> "16.67", 2000 -> "20"."""
    return format((Decimal(basis_points) / 100).normalize(), "f")


def helpers(request: Request) -> dict[str, Callable[..., str]]:
    """The formatters the negotiation templates use, in the page's language."""
    locale = request_locale(request)

    def lbl(value: str | None) -> str:
        return label("status", value or "", locale)

    def tone(value: str) -> str:
        return TONES.get(value, "")

    def excess(e: Excess, _currency: str) -> str:
        counts = e.limit == "max_instalments"
        pairs = (("offered", e.offered), ("allowed", e.allowed), ("by", e.by))
        values = {name: str(v) if counts else pct(v) for name, v in pairs}
        return gettext(EXCESS[e.limit], locale, **values)

    return {"lbl": lbl, "tone": tone, "pct": pct, "excess": excess}


def parse_count(text: str | int | None, field: str) -> int:
    """A whole number typed in a form: the number of payments or the days between them."""
    value = str(text if text is not None else "").strip()
    if not value.isdecimal():
        if field == "every_days":
            raise InvalidInput("Every: {value} is not a whole number of days", value=value)
        raise InvalidInput("Instalments: {value} is not a whole number", value=value)
    return int(value)


# --- the promise panel -------------------------------------------------------------------------------


def _promise_panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = ""
) -> HTMLResponse:
    view = promises_of(uow, viewer, case_id)
    can_write = may_work(uow, viewer, case_id)
    context = {"view": view, "can_write": can_write, "notice": notice, **helpers(request)}
    return render(request, "case/_promise.html", context)


@router.get("/cases/{case_id}/panels/promise", response_class=HTMLResponse)
def promise_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _promise_panel(request, uow, viewer, case_id)


# --- the negotiation panel ---------------------------------------------------------------------------


def _negotiation_panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = ""
) -> HTMLResponse:
    view = negotiation_of(uow, viewer, case_id)
    can_write = may_work(uow, viewer, case_id)
    context = {"view": view, "can_write": can_write, "notice": notice, **helpers(request)}
    return render(request, "case/_negotiation.html", context)


@router.get("/cases/{case_id}/panels/negotiation", response_class=HTMLResponse)
def negotiation_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _negotiation_panel(request, uow, viewer, case_id)


@router.post("/cases/{case_id}/negotiation/open", response_class=HTMLResponse)
def post_open(
    request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep, reason: Annotated[str, Form()] = ""
) -> Response:
    neg.open_negotiation(uow, viewer, case_id, reason=reason)
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    return case_changed(_negotiation_panel(request, uow, viewer, case_id))


@router.post("/cases/{case_id}/arrangements", response_class=HTMLResponse)
def post_arrangement(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[str, Form()] = "",
    total: Annotated[str, Form()] = "",
    instalments: Annotated[str, Form()] = "1",
    first_payment: Annotated[str, Form()] = "",
    first_due: Annotated[str, Form()] = "",
    every_days: Annotated[str, Form()] = "30",
    reason: Annotated[str, Form()] = "",
) -> Response:
    offer = neg.propose_arrangement(
        uow,
        viewer,
        case_id,
        kind=kind,
        total=total,
        instalments=parse_count(instalments or "1", "instalments"),
        first_payment=first_payment or None,
        first_due=parse_day(first_due, "first_due"),
        every_days=parse_count(every_days or "30", "every_days"),
        reason=reason,
    )
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    locale = request_locale(request)
    if offer.status == "active":
        notice = gettext("The offer is within your authority and is now active.", locale)
    else:
        notice = gettext("The offer is beyond your authority: it waits for a supervisor's approval.", locale)
    return case_changed(_negotiation_panel(request, uow, viewer, case_id, notice))


# --- the approval queue ------------------------------------------------------------------------------


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    offers = approvals(uow, viewer)
    return render(request, "approvals/page.html", {"offers": offers, **helpers(request)})


def _decided(request: Request, offer: Offer) -> Response:
    if not is_htmx(request):
        return RedirectResponse("/approvals", status_code=303)
    return render(request, "approvals/_offer.html", {"o": offer, **helpers(request)})


@router.post("/approvals/{arrangement_id}/approve", response_class=HTMLResponse)
def post_approve(
    request: Request,
    arrangement_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _decided(request, neg.approve(uow, viewer, arrangement_id, note))


@router.post("/approvals/{arrangement_id}/reject", response_class=HTMLResponse)
def post_reject(
    request: Request,
    arrangement_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _decided(request, neg.reject(uow, viewer, arrangement_id, note))
