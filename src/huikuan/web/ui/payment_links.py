"""The case page's payment-links panel (route `payment-links`, tab "payments"): the case's links with
their QR codes, and a form to make one with an offered provider (services/payment_links.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.domain.ids import MAX_ID
from huikuan.i18n import gettext
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_debts import case_currency
from huikuan.services.payment_links import (
    NewLink,
    create_payment_link,
    instalments_due,
    links_for,
    offered_providers,
    parse_amount,
)
from huikuan.storage.uow import UnitOfWork
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

PANEL = "payment-links"  # under /cases/{id}/panels/; the element's id is "panel-payment-links"
# English msgids (payment_links.po) of a link's status and route.
STATUS_LABELS = {
    "open": "Waiting for payment",
    "paid": "Paid",
    "expired": "Expired",
    "cancelled": "Cancelled",
}
ROUTE_LABELS = {
    "creditor": "Paid into the creditor's own merchant account",
    "trust": "Paid into the agency's trust account",
}


def _panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str | None = None
) -> HTMLResponse:
    visible_case(uow, viewer, case_id)
    links = links_for(uow, viewer, case_id)
    can_write = not viewer.read_only  # as the service: whoever may see the case and write
    context = {
        "case_id": case_id,
        "links": links,
        "offered": offered_providers(uow, case_id) if can_write else [],
        "instalments": instalments_due(uow, case_id) if can_write else [],
        "currency": case_currency(uow, case_id),
        "can_write": can_write,
        "status_labels": STATUS_LABELS,
        "route_labels": ROUTE_LABELS,
        "notice": notice,
        "newest": links[0].id if notice and links else None,
    }
    return render(request, "case/payment_links.html", context)


@router.get(f"/cases/{{case_id}}/panels/{PANEL}", response_class=HTMLResponse)
def payment_links_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The case's payment links, newest first, with the form for those who may work the case."""
    return _panel(request, uow, viewer, case_id)


@router.post("/cases/{case_id}/payment-links", response_class=HTMLResponse)
def post_payment_link(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    provider: Annotated[str, Form(max_length=40)],
    amount: Annotated[str, Form(max_length=40)] = "",
    arrangement_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Makes a link with the chosen provider and shows it with its QR code."""
    visible_case(uow, viewer, case_id, write=True)
    minor = parse_amount(uow, case_id, amount)
    create_payment_link(uow, viewer, NewLink(case_id, provider, minor, arrangement_id))
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}?tab=payments", status_code=303)
    notice = gettext("Payment link made: show the QR code or send the link.", request_locale(request))
    return case_changed(_panel(request, uow, viewer, case_id, notice))
