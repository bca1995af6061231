"""JSON API of a case's payments (docs: "Money"): the list, a payment posted by hand, a reversal, a move.

Money goes out as decimal strings with their currency ("1200.50", "CNY"), never as floats. A payment is
posted as a form (multipart/form-data when a proof file is sent): `amount` in the case's currency,
`method`, `reference`, optional `paid_at` (ISO 8601), `note`, `directed` (repeated `ACCOUNT_ID=AMOUNT`,
the debtor's direction) and `file` (PDF or image). A reference the creditor's payments used already is
refused with 409. Posting: whoever may work the case; reversing and moving: supervisors and administrators.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import File, Form, UploadFile
from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.domain.money import Money
from huikuan.errors import InvalidInput
from huikuan.services.payment_desk import HandPayment, move_by, post_by_hand, reverse_by
from huikuan.services.payments_view import case_payments
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.payments import read_proof

router = api_router("", "payments")


class AllocationOut(BaseModel):
    account_id: int
    account_ref: str
    amount: str
    fees: str
    interest: str
    principal: str
    commission: str


class ReversalOut(BaseModel):
    kind: str = Field(description="bounced, chargeback, refund, wrong_case or error")
    reason: str
    at: datetime
    reversed_by: str | None
    moved_to_id: int | None = Field(description="a moved payment: the payment posted on the right case")
    moved_to_case_id: int | None


class PaymentOut(BaseModel):
    id: int
    case_id: int
    reference: str
    amount: str = Field(description="a decimal string in `currency`")
    currency: str
    paid_at: datetime
    posted_at: datetime | None
    method: str | None
    source: str = Field(description="agency (received by the agency) or direct (reported by the creditor)")
    route: str = Field(description="trust (the agency's client account) or creditor (the creditor's own)")
    status: str = Field(description="posted or reversed")
    provider: str | None
    commission: str
    held: str = Field(description="what no debt took (an overpayment, or a disputed debt)")
    note: str
    document_id: int | None = Field(description="the proof, at /api/v1/documents/{id}")
    moved_from_id: int | None
    posted_by: str | None
    allocations: list[AllocationOut]
    reversal: ReversalOut | None


class PostedOut(BaseModel):
    payment_id: int
    amount: str
    currency: str
    route: str
    commission: str
    held: str
    paid_off: list[int] = Field(description="accounts this payment paid in full")
    promises_kept: list[int]


class ReverseIn(BaseModel):
    kind: str = Field(description="bounced, chargeback, refund or error (a wrong case: move it)")
    reason: str = Field(min_length=1, max_length=2000)


class MoveIn(BaseModel):
    to_case_id: int = Field(ge=1, le=MAX_ID, description="a case of the same creditor")
    reason: str = Field(min_length=1, max_length=2000)


class ReversedOut(BaseModel):
    payment_id: int
    kind: str
    amount: str
    currency: str
    reopened: list[int] = Field(description="accounts the payment had paid off, open again")
    moved_to: int | None


def decimal(minor: int, currency: str) -> str:
    return str(Money(int(minor), currency).amount)


@router.get("/cases/{case_id}/payments", response_model=list[PaymentOut])
def list_payments(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> list[dict[str, Any]]:
    """The case's payments, newest first, with their allocations by part and any reversal."""
    return [_out(p) for p in case_payments(uow, viewer, case_id)]


@router.post("/cases/{case_id}/payments", status_code=201, response_model=PostedOut)
def post_payment(
    case_id: PathId,
    viewer: ApiViewerDep,
    uow: UowDep,
    amount: Annotated[str, Form(max_length=30, description="in the case's currency, e.g. 1200.50")],
    method: Annotated[str, Form(description="cash, bank_transfer, cheque, card or other")],
    reference: Annotated[str, Form(max_length=100)],
    paid_at: Annotated[datetime | None, Form(description="ISO 8601 with its offset; unset: now")] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
    directed: Annotated[list[str] | None, Form(description="ACCOUNT_ID=AMOUNT, repeated")] = None,
    file: Annotated[UploadFile | None, File(description="the proof: PDF, PNG, JPEG or WebP")] = None,
) -> dict[str, Any]:
    """Posts a payment received by hand; 409 when its reference is used already."""
    cmd = HandPayment(
        case_id=case_id,
        amount=amount,
        method=method,
        reference=reference,
        paid_at=paid_at,
        note=note,
        directed=parse_directed(directed or []),
        proof=read_proof(file),
    )
    posted = post_by_hand(uow, viewer, cmd)
    c = posted.currency
    return {
        "payment_id": posted.payment_id,
        "amount": decimal(posted.amount, c),
        "currency": c,
        "route": posted.route,
        "commission": decimal(posted.commission, c),
        "held": decimal(posted.allocated.held, c),
        "paid_off": list(posted.paid_off),
        "promises_kept": list(posted.promises_kept),
    }


@router.post("/payments/{payment_id}/reverse", response_model=ReversedOut)
def reverse(payment_id: PathId, body: ReverseIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Reverses the payment by a new journal entry; the accounts get their balances back."""
    return _reversed(reverse_by(uow, viewer, payment_id, kind=body.kind, reason=body.reason))


@router.post("/payments/{payment_id}/move", response_model=ReversedOut)
def move(payment_id: PathId, body: MoveIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Moves the payment to the right case: reversed here, posted there (`moved_to`)."""
    return _reversed(move_by(uow, viewer, payment_id, to_case_id=body.to_case_id, reason=body.reason))


def parse_directed(items: list[str]) -> dict[int, str]:
    """`ACCOUNT_ID=AMOUNT` pairs (the API) as the desk takes them."""
    out: dict[int, str] = {}
    for item in items:
        account, sep, amount = item.partition("=")
        if not sep or not account.strip().isdigit() or not 1 <= int(account) <= MAX_ID:
            raise InvalidInput("directed: {value} is not ACCOUNT_ID=AMOUNT", value=item)
        out[int(account)] = amount
    return out


def _out(p: dict[str, Any]) -> dict[str, Any]:
    c = p["currency"]
    money = ("amount", "fees", "interest", "principal", "commission")
    return {
        **p,
        "reference": p["external_ref"],
        "amount": decimal(p["amount"], c),
        "commission": decimal(p["commission"], c),
        "held": decimal(p["held"], c),
        "allocations": [{**a, **{k: decimal(a[k], c) for k in money}} for a in p["allocations"]],
    }


def _reversed(r: Any) -> dict[str, Any]:
    return {
        "payment_id": r.payment_id,
        "kind": r.kind,
        "amount": decimal(r.amount, r.currency),
        "currency": r.currency,
        "reopened": list(r.reopened),
        "moved_to": r.moved_to,
    }
