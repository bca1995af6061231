"""Payments at the desk: what a person does with them in the web app and the API, with who may do it.

- Post one by hand (cash, a bank transfer, a cheque, a card, other): whoever may work the case now (a
  collector on the case it holds or is assigned, a supervisor or an administrator); never a creditor's
  viewer. The amount is typed in the case's currency; the debtor may direct it among the accounts; a proof
  (a bank slip, a cheque's photo: PDF or image) is kept in the document store, linked to the payment and
  its case, in the same transaction as the payment. `preview=True` computes the posting exactly (the
  allocation by part, the commission, what is held) and writes nothing: the confirmation step.
- Reverse one (bounced, chargeback, refund, error) or move one posted to the wrong case: supervisors and
  administrators, on payments of cases they see; a move only to a case they see, of the same creditor.

Every write goes through services/payments.py and services/payment_reversal.py, as the command line
and the providers' notifications do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import InvalidOperation

from sqlalchemy import update

from huikuan.domain.money import Money
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, case_to_work, require_supervisor, visible_case
from huikuan.services.case_debts import case_currency
from huikuan.services.documents import Upload, add_document
from huikuan.services.payment_reversal import Reversed, move_payment, reverse_payment
from huikuan.services.payments import Posted, PostPayment, post_payment
from huikuan.services.payments_view import payment_case
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

BY_HAND = ("cash", "bank_transfer", "cheque", "card", "other")  # the providers post their own
REVERSE_KINDS = ("bounced", "chargeback", "refund", "error")  # a wrong case is a move
NOTE_MAX = 2000
REASON_MAX = 2000
FUTURE_SLACK = timedelta(minutes=5)  # clocks a little apart
AMOUNT_MAX_MINOR = 10**14  # a trillion in units of two decimals: anything more is a typing slip


@dataclass(frozen=True)
class Proof:
    """The file proving a payment, as uploaded."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class HandPayment:
    """A payment typed by a person: amounts as typed, in the case's currency ("1,200.50")."""

    case_id: int
    amount: str
    method: str
    reference: str
    paid_at: datetime | None = None
    note: str = ""
    directed: dict[int, str] = field(default_factory=dict)  # account id -> amount typed
    proof: Proof | None = None


def post_by_hand(uow: UnitOfWork, viewer: Viewer, cmd: HandPayment, *, preview: bool = False) -> Posted:
    """Posts the payment (see the module docstring) and commits; with `preview`, rolls it back."""
    case_to_work(uow, viewer, cmd.case_id)
    if cmd.method not in BY_HAND:
        raise InvalidInput("method: one of {allowed}", allowed=", ".join(BY_HAND))
    if len(cmd.note) > NOTE_MAX:
        raise InvalidInput("note: at most {n} characters", n=NOTE_MAX)
    _when(cmd.paid_at)
    currency = case_currency(uow, cmd.case_id)
    directed = {account: _minor(text, currency) for account, text in cmd.directed.items() if text.strip()}
    posted = post_payment(
        uow,
        viewer.user_id,
        PostPayment(
            case_id=cmd.case_id,
            amount=_minor(cmd.amount, currency),
            method=cmd.method,
            reference=cmd.reference,
            paid_at=cmd.paid_at,
            note=cmd.note,
            directed=directed or None,
        ),
        commit=False,
    )
    if preview:
        uow.rollback()
        return posted
    if cmd.proof is not None:
        proof = cmd.proof
        upload = Upload(
            "payment", posted.payment_id, "payment_proof", proof.filename, proof.content_type, proof.data
        )
        document_id = add_document(uow, viewer, upload, commit=False)
        uow.session.execute(
            update(t.payments).where(t.payments.c.id == posted.payment_id).values(document_id=document_id)
        )
    uow.commit()
    return posted


def reverse_by(uow: UnitOfWork, viewer: Viewer, payment_id: int, *, kind: str, reason: str) -> Reversed:
    """Reverses a payment of a case the supervisor sees; commits."""
    require_supervisor(viewer)
    payment_case(uow, viewer, payment_id)
    if kind not in REVERSE_KINDS:
        raise InvalidInput("kind: one of {allowed}", allowed=", ".join(REVERSE_KINDS))
    _reason(reason)
    return reverse_payment(uow, viewer.user_id, payment_id, kind=kind, reason=reason)


def move_by(uow: UnitOfWork, viewer: Viewer, payment_id: int, *, to_case_id: int, reason: str) -> Reversed:
    """Moves a payment posted to the wrong case to `to_case_id` (a case the supervisor sees, of the same
    creditor); commits."""
    require_supervisor(viewer)
    payment_case(uow, viewer, payment_id)
    visible_case(uow, viewer, to_case_id)
    _reason(reason)
    return move_payment(uow, viewer.user_id, payment_id, to_case_id=to_case_id, reason=reason)


def _when(paid_at: datetime | None) -> None:
    """A moment with its offset, not in the future (a few minutes of clocks apart aside)."""
    if paid_at is None:
        return
    if paid_at.tzinfo is None:
        raise InvalidInput("paid at: give the time with its offset, such as 2026-12-01T10:00:00+08:00")
    if paid_at > datetime.now(UTC) + FUTURE_SLACK:
        raise InvalidInput("paid at: a payment cannot be dated in the future")


def _reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput("reason: say why")
    if len(reason) > REASON_MAX:
        raise InvalidInput("reason: at most {n} characters", n=REASON_MAX)


def _minor(text: str, currency: str) -> int:
    """An amount typed in the currency ("1,200.50") in its minor units; more decimals are refused."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    try:
        minor = Money.parse(cleaned, currency).minor
    except (InvalidOperation, ValueError, OverflowError):
        raise InvalidInput(
            "amount: {value} is not an amount in {currency}", value=text, currency=currency
        ) from None
    if not 0 < minor <= AMOUNT_MAX_MINOR:
        raise InvalidInput("amount: more than zero and less than a trillion")
    return minor
