"""The debtor's own pages for money and disagreement (issue 18, items 3 to 5): pay (/d/pay, and the receipt
the cashier sends them back to), arrange a plan (/d/arrange: offers within the creditor's self-service
bounds, or a request to the floor) and dispute (/d/dispute, with documents). Each takes the debtor's visit
(web/debtor_session.py): without it a page says nothing and sends the browser to the identity check. The
use cases are services/debtor_payments.py, debtor_arrangements.py, debtor_requests.py, debtor_disputes.py;
every page seen is audited, as the other debtor pages are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import HuikuanError, InvalidInput, ProviderUnavailable
from huikuan.services import debtor_arrangements as arrangements
from huikuan.services import debtor_disputes as disputes
from huikuan.services import debtor_payments as payments
from huikuan.services import debtor_requests as requests
from huikuan.services.debtor_portal import audit_view
from huikuan.services.self_service import Visitor
from huikuan.storage.uow import UnitOfWork
from huikuan.web.debtor_session import DebtorVisit, DebtorVisitDep, debtor_render, debtor_router
from huikuan.web.ui.common import UowDep

router = debtor_router()
TEXT_MAX = 2000
AMOUNT_MAX = 20
# What the debtor reads for each key (English source strings, translated on the page).
REASON_LABELS = {
    "not_mine": "This is not my debt",
    "wrong_amount": "The amount is wrong",
    "already_paid": "I have already paid",
    "other": "Another reason",
}
STATEMENT_LABELS = {
    "income": "Income (wages, benefits, pensions, other)",
    "home_contents": "Home and contents (rent or mortgage, council tax, utilities, insurance)",
    "travel": "Travel (public transport, car costs)",
    "food_housekeeping": "Food and housekeeping",
    "personal_costs": "Personal costs (clothing, medicines, childcare)",
    "communications_leisure": "Communications and leisure (phone, internet, TV)",
    "other": "Other spending",
    "priority_debts": "Payments to priority debts (arrears of rent, council tax, energy, fines)",
    "non_priority_debts": "Payments to other debts (cards, loans)",
}
PROVIDER_LABELS = {"alipay": "Alipay", "wechatpay": "WeChat Pay", "stripe": "Card (Stripe)"}


def _visitor(visit: DebtorVisit) -> Visitor:
    return Visitor(visit.case_id, visit.link_id, visit.address, visit.locale)


def _now() -> datetime:
    return datetime.now(UTC)


def _seen(uow: UnitOfWork, visit: DebtorVisit, name: str, page: HTMLResponse) -> HTMLResponse:
    """A page shown to the debtor, once its view is audited by name (as the other debtor pages are)."""
    audit_view(uow, visit.case_id, visit.link_id, name)
    return page


# --- pay -----------------------------------------------------------------------------------------------


def _pay_page(
    request: Request,
    uow: UnitOfWork,
    visit: DebtorVisit,
    *,
    error: str = "",
    amount: str = "",
    status: int = 200,
) -> HTMLResponse:
    options = payments.pay_options(uow, _visitor(visit), now=_now())
    shown = amount or str(options.money(options.balance).amount)
    context = {"options": options, "error": error, "amount": shown, "providers": PROVIDER_LABELS}
    return debtor_render(request, "debtor/pay.html", context, status_code=status)


@router.get("/pay")
def pay_page(request: Request, uow: UowDep, visit: DebtorVisitDep) -> HTMLResponse:
    return _seen(uow, visit, "pay", _pay_page(request, uow, visit))


@router.post("/pay")
def pay(
    request: Request,
    uow: UowDep,
    visit: DebtorVisitDep,
    amount: Annotated[str, Form(max_length=AMOUNT_MAX)] = "",
    provider: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Makes the provider's link for the amount chosen and gives the debtor the way to its cashier."""
    try:
        link = payments.start_payment(uow, _visitor(visit), provider, amount, now=_now())
    except (InvalidInput, ProviderUnavailable) as exc:
        uow.rollback()
        status = 422 if isinstance(exc, InvalidInput) else 503
        return _pay_page(
            request, uow, visit, error=exc.translated(visit.locale), amount=amount, status=status
        )
    # A link to the cashier, not a redirect: the pages' CSP (form-action 'self') refuses a form's answer
    # that sends the browser to another site.
    context = {"link": link, "providers": PROVIDER_LABELS}
    return debtor_render(request, "debtor/pay_go.html", context)


@router.get("/pay/receipt")
def receipt_page(request: Request, uow: UowDep, visit: DebtorVisitDep) -> HTMLResponse:
    """The debtor's newest payment on this page: paid (a receipt) or still waiting for the provider."""
    link = payments.latest_receipt(uow, _visitor(visit), now=_now())
    balance = payments.open_balance(uow, visit.case_id)
    context = {"link": link, "balance": balance, "providers": PROVIDER_LABELS}
    return _seen(uow, visit, "receipt", debtor_render(request, "debtor/pay_receipt.html", context))


# --- arrange -------------------------------------------------------------------------------------------


def _arrange_page(
    request: Request, uow: UnitOfWork, visit: DebtorVisit, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    view = arrangements.arrange_view(uow, _visitor(visit), now=_now())
    consent = {o.key: arrangements.consent_text(o, visit.locale) for o in view.offers}
    context = {
        "view": view,
        "consent": consent,
        "statement_fields": requests.STATEMENT_FIELDS if requests.needs_statement(view.pack) else (),
        "statement_labels": STATEMENT_LABELS,
        "sent": request.query_params.get("sent") == "1",
        **extra,
    }
    return debtor_render(request, "debtor/arrange.html", context, status_code=status)


@router.get("/arrange")
def arrange_page(request: Request, uow: UowDep, visit: DebtorVisitDep) -> HTMLResponse:
    return _seen(uow, visit, "arrange", _arrange_page(request, uow, visit))


@router.post("/arrange/accept")
def accept(
    request: Request,
    uow: UowDep,
    visit: DebtorVisitDep,
    offer: Annotated[str, Form(max_length=20)] = "",
    agree: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Signs the offer chosen: the consent box must be ticked."""
    try:
        if agree != "yes":
            raise InvalidInput("Tick the box to agree to the terms")
        arrangements.accept_offer(uow, _visitor(visit), offer, now=_now())
    except HuikuanError as exc:
        uow.rollback()
        return _arrange_page(request, uow, visit, status=422, accept_error=exc.translated(visit.locale))
    return RedirectResponse("/d/arrange", status_code=303)


@router.post("/arrange/request")
async def arrangement_request(request: Request, uow: UowDep, visit: DebtorVisitDep) -> Response:
    """The debtor's own proposal (and, in uk-conc, their statement) for the floor."""
    form = await request.form()
    text = str(form.get("text") or "")[: TEXT_MAX + 1]
    statement = {name: str(form.get(name) or "")[:AMOUNT_MAX] for name in requests.STATEMENT_FIELDS}
    try:
        requests.send_request(uow, _visitor(visit), requests.ArrangementRequest(text, statement), now=_now())
    except InvalidInput as exc:
        uow.rollback()
        return _arrange_page(
            request,
            uow,
            visit,
            status=422,
            request_error=exc.translated(visit.locale),
            typed=text,
            statement=statement,
        )
    return RedirectResponse("/d/arrange?sent=1", status_code=303)


# --- dispute -------------------------------------------------------------------------------------------


@router.get("/dispute")
def dispute_page(request: Request, uow: UowDep, visit: DebtorVisitDep) -> HTMLResponse:
    return _seen(
        uow, visit, "dispute", debtor_render(request, "debtor/dispute.html", {"reasons": REASON_LABELS})
    )


def _read(files: list[UploadFile]) -> tuple[disputes.DebtorFile, ...]:
    kept = []
    for f in files[: disputes.MAX_FILES + 1]:
        if not f.filename:
            continue  # the form's empty file field
        data = f.file.read(disputes.MAX_FILE_BYTES + 1)
        kept.append(disputes.DebtorFile(f.filename, f.content_type or "", data))
    return tuple(kept)


@router.post("/dispute")
def dispute(
    request: Request,
    uow: UowDep,
    visit: DebtorVisitDep,
    reason: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=TEXT_MAX)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> HTMLResponse:
    """Opens the dispute with its documents; collection stops at once."""
    try:
        claim = disputes.DebtorDispute(reason, text, _read(files or []))
        dispute_id = disputes.dispute(uow, _visitor(visit), claim, now=_now())
    except HuikuanError as exc:
        uow.rollback()
        context = {
            "reasons": REASON_LABELS,
            "error": exc.translated(visit.locale),
            "reason": reason,
            "text": text,
        }
        return debtor_render(request, "debtor/dispute.html", context, status_code=422)
    return debtor_render(request, "debtor/disputed.html", {"dispute_id": dispute_id})
