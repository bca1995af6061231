"""The case page's payments tab: the case's payments, the form that posts one received by hand (checked
first: the confirmation shows how it will be allocated and what it earns, nothing written until it is
confirmed), and for supervisors the forms that reverse or move one.

Who sees what (the access matrix): the panel shows to whoever sees the case; the form to whoever may work
the case now (services/payment_desk.py); reversing and moving to supervisors and administrators. The
creditor's viewer reads, never writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services.access import Viewer, may_work
from huikuan.services.payment_desk import (
    BY_HAND,
    REVERSE_KINDS,
    HandPayment,
    Proof,
    move_by,
    post_by_hand,
    reverse_by,
)
from huikuan.services.payments_view import case_payments, open_accounts, payment_case
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    labeller,
    page_router,
    render,
    request_locale,
)

router = page_router()

# The words of each closed vocabulary (English msgids; zh_CN in payweb.po).
LABELS: dict[str, dict[str, str]] = {
    "method": {
        "cash": "Cash",
        "bank_transfer": "Bank transfer",
        "cheque": "Cheque",
        "card": "Card",
        "alipay": "Alipay",
        "wechatpay": "WeChat Pay",
        "stripe": "Stripe",
        "other": "Other",
    },
    "route": {"trust": "Agency's trust account", "creditor": "Creditor's own account"},
    "source": {"agency": "Received by the agency", "direct": "Paid to the creditor"},
    "status": {"posted": "Posted", "reversed": "Reversed"},
    "kind": {
        "bounced": "Bounced",
        "chargeback": "Chargeback",
        "refund": "Refunded",
        "wrong_case": "Posted to the wrong case",
        "error": "Posted in error",
    },
}


def _panel(request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = "") -> HTMLResponse:
    context = {
        "case_id": case_id,
        "payments": case_payments(uow, viewer, case_id),
        "accounts": open_accounts(uow, viewer, case_id),
        "can_post": may_work(uow, viewer, case_id),
        "can_reverse": viewer.supervises,
        "methods": BY_HAND,
        "reverse_kinds": REVERSE_KINDS,
        "notice": notice,
        "lbl": labeller(request, LABELS),
    }
    return render(request, "case/_payments.html", context)


def _answer(request: Request, case_id: int, panel: HTMLResponse) -> Response:
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}?tab=payments", status_code=303)
    return case_changed(panel)


@router.get("/cases/{case_id}/panels/payments", response_class=HTMLResponse)
def payments_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _panel(request, uow, viewer, case_id)


def _moment(text: str, viewer: Viewer) -> datetime | None:
    """When it was paid, as typed in the form's date-time field: in the viewer's own time zone."""
    value = text.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("paid at: {value} is not a date and time", value=value) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(viewer.time_zone))


def _directed(accounts: list[str], amounts: list[str]) -> dict[int, str]:
    """The form's direction: each open account's id beside the amount typed for it (blank: none)."""
    if len(accounts) != len(amounts):
        raise InvalidInput("directed: one amount for each account")
    out: dict[int, str] = {}
    for account, amount in zip(accounts, amounts, strict=True):
        if not amount.strip():
            continue
        if not account.isdigit() or not 1 <= int(account) <= MAX_ID:
            raise InvalidInput("directed: {value} is not ACCOUNT_ID=AMOUNT", value=f"{account}={amount}")
        out[int(account)] = amount
    return out


Amount = Annotated[str, Form(max_length=30)]
Reference = Annotated[str, Form(max_length=100)]
Note = Annotated[str, Form(max_length=2000)]
Texts = Annotated[list[str] | None, Form()]


@router.post("/cases/{case_id}/payments/preview", response_class=HTMLResponse)
def preview_payment(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    amount: Amount,
    method: Annotated[str, Form()],
    reference: Reference,
    paid_at: Annotated[str, Form()] = "",
    note: Note = "",
    directed_account: Texts = None,
    directed_amount: Texts = None,
) -> HTMLResponse:
    """The confirmation: the payment computed as it would be posted (allocation, commission, held),
    nothing written; its button posts the same form (the proof file with it)."""
    cmd = HandPayment(
        case_id,
        amount,
        method,
        reference,
        _moment(paid_at, viewer),
        note,
        _directed(directed_account or [], directed_amount or []),
    )
    posted = post_by_hand(uow, viewer, cmd, preview=True)
    accounts = {a["id"]: a["external_ref"] for a in open_accounts(uow, viewer, case_id)}
    context = {
        "case_id": case_id,
        "posted": posted,
        "cmd": cmd,
        "accounts": accounts,
        "lbl": labeller(request, LABELS),
    }
    return render(request, "case/_payment_confirm.html", context)


@router.post("/cases/{case_id}/payments", response_class=HTMLResponse)
def post_payment(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    amount: Amount,
    method: Annotated[str, Form()],
    reference: Reference,
    paid_at: Annotated[str, Form()] = "",
    note: Note = "",
    directed_account: Texts = None,
    directed_amount: Texts = None,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Posts the payment as confirmed, with its proof when one is chosen."""
    cmd = HandPayment(
        case_id,
        amount,
        method,
        reference,
        _moment(paid_at, viewer),
        note,
        _directed(directed_account or [], directed_amount or []),
        read_proof(file),
    )
    posted = post_by_hand(uow, viewer, cmd)
    notice = gettext("Payment {id} posted.", request_locale(request), id=posted.payment_id)
    return _answer(request, case_id, _panel(request, uow, viewer, case_id, notice))


@router.post("/payments/{payment_id}/reverse", response_class=HTMLResponse)
def post_reversal(
    request: Request,
    payment_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    reverse_by(uow, viewer, payment_id, kind=kind, reason=reason)
    case_id = payment_case(uow, viewer, payment_id)
    notice = gettext("Payment {id} reversed.", request_locale(request), id=payment_id)
    return _answer(request, case_id, _panel(request, uow, viewer, case_id, notice))


@router.post("/payments/{payment_id}/move", response_class=HTMLResponse)
def post_move(
    request: Request,
    payment_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    to_case_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    move_by(uow, viewer, payment_id, to_case_id=to_case_id, reason=reason)
    case_id = payment_case(uow, viewer, payment_id)
    notice = gettext(
        "Payment {id} moved to case {case}.", request_locale(request), id=payment_id, case=to_case_id
    )
    return _answer(request, case_id, _panel(request, uow, viewer, case_id, notice))


def read_proof(file: UploadFile | None) -> Proof | None:
    """The uploaded proof, read up to one byte past the limit (the document store refuses more)."""
    if file is None or not file.filename:
        return None
    data = file.file.read(get_settings().document_max_bytes + 1)
    return Proof(file.filename, file.content_type or "", data)
