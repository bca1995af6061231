"""Taking a payment back: reverse it, or move it to the right case.

Reversing one writes the entry that undoes it (each leg swapped), gives the accounts their balances back
(reopening an account it had paid off), marks the payment reversed, and re-evaluates the case's promises
and instalments. Moving one is a reversal (kind `wrong_case`) and the same payment posted to the other
case of the same creditor (services/payments.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from huikuan.domain.enums import CaseStage
from huikuan.domain.goals import Goal
from huikuan.domain.ledger import EntryKind, Route, reversal
from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.services.case_debts import paying_case
from huikuan.services.payment_effects import after_reversal
from huikuan.services.payments import REFERENCE_MAX, PostPayment, post_payment
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.ledger import entry_legs, write_entry
from huikuan.storage.uow import UnitOfWork

REVERSAL_KINDS = ("bounced", "chargeback", "refund", "wrong_case", "error")


@dataclass(frozen=True)
class Reversed:
    payment_id: int
    kind: str
    amount: int
    currency: str
    entry_id: int
    reopened: tuple[int, ...] = ()
    moved_to: int | None = None
    reevaluated: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "kind": self.kind,
            "amount": self.amount,
            "currency": self.currency,
            "entry_id": self.entry_id,
            "reopened": list(self.reopened),
            "moved_to": self.moved_to,
            "reevaluated": self.reevaluated,
        }


def reverse_payment(
    uow: UnitOfWork,
    user_id: int | None,
    payment_id: int,
    *,
    kind: str,
    reason: str,
    now: datetime | None = None,
    commit: bool = True,
) -> Reversed:
    """Reverses a posted payment (see the module docstring); Conflict when it is reversed already."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if kind not in REVERSAL_KINDS:
        raise InvalidInput("A reversal is one of: {kinds}", kinds=", ".join(REVERSAL_KINDS))
    if not reason.strip():
        raise InvalidInput("Say why the payment is reversed")
    conn = uow.session.connection()
    pay = _claim_posted(conn, payment_id)
    entry_id = _reverse_entry(conn, payment_id, pay.creditor_id, reason.strip(), now, user_id)
    reopened = _raise_balances(conn, payment_id, now, user_id)
    if reopened:
        _reopen_case(conn, pay.case_id or _case_of_account(conn, pay.account_id), now, user_id)
    conn.execute(
        insert(t.payment_reversals).values(
            payment_id=payment_id,
            kind=kind,
            reason=reason.strip(),
            at=now,
            user_id=user_id,
            entry_id=entry_id,
        )
    )
    case_id = pay.case_id or _case_of_account(conn, pay.account_id)
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="payment.reversed",
        entity="case",
        entity_id=case_id,
        detail={"payment_id": payment_id, "kind": kind, "amount": pay.amount},
    )
    counts = after_reversal(uow, case_id, payment_id, now=now, user_id=user_id)
    if commit:
        uow.commit()
    return Reversed(payment_id, kind, pay.amount, pay.currency, entry_id, tuple(reopened), None, counts)


def _claim_posted(conn: Connection, payment_id: int) -> Any:
    """The payment, claimed for its reversal (posted -> reversed); NotFound, or Conflict when it is
    reversed already."""
    p = t.payments.c
    pay = conn.execute(select(t.payments).where(p.id == payment_id).with_for_update()).one_or_none()
    if pay is None:
        raise NotFound("No payment with id {id}", id=payment_id)
    claimed = conn.execute(
        update(t.payments).where(p.id == payment_id, p.status == "posted").values(status="reversed")
    )
    if claimed.rowcount != 1:
        raise Conflict("Payment {id} is reversed already", id=payment_id)
    return pay


def _reverse_entry(
    conn: Connection, payment_id: int, creditor_id: int, reason: str, now: datetime, user_id: int | None
) -> int:
    """The ledger entry that swaps every leg of the payment's entry; its id."""
    le = t.ledger_entries.c
    original = conn.execute(
        select(le.id).where(le.payment_id == payment_id, le.kind == EntryKind.PAYMENT.value)
    ).scalar_one()
    undo = reversal(entry_legs(conn, original), creditor_id, reason)
    return write_entry(
        conn, undo, at=now, posted_at=now, payment_id=payment_id, reverses_id=original, user_id=user_id
    )


def move_payment(
    uow: UnitOfWork,
    user_id: int | None,
    payment_id: int,
    *,
    to_case_id: int,
    reason: str,
    now: datetime | None = None,
) -> Reversed:
    """Moves a payment posted to the wrong case: reversed there, posted again on `to_case_id` (a case of
    the same creditor) with the same amount, day, method and provider. Commits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    pay = conn.execute(select(t.payments).where(t.payments.c.id == payment_id)).one_or_none()
    if pay is None:
        raise NotFound("No payment with id {id}", id=payment_id)
    target = paying_case(conn, to_case_id)
    if target.creditor_id != pay.creditor_id:
        raise InvalidInput("A payment moves only to another case of the same creditor")
    if (pay.case_id or _case_of_account(conn, pay.account_id)) == to_case_id:
        raise InvalidInput("The payment is on case {id} already", id=to_case_id)
    undone = reverse_payment(
        uow, user_id, payment_id, kind="wrong_case", reason=reason, now=now, commit=False
    )
    moved = post_payment(
        uow,
        user_id,
        PostPayment(
            case_id=to_case_id,
            amount=pay.amount,
            method=pay.method or "other",
            reference=_moved_reference(conn, pay.creditor_id, pay.external_ref),
            paid_at=pay.paid_at,
            note=pay.note,
            source=pay.source,
            provider=pay.provider,
            route=Route(pay.route),
            document_id=pay.document_id,
            moved_from_id=payment_id,
        ),
        now=now,
        commit=False,
    )
    conn.execute(
        update(t.payment_reversals)
        .where(t.payment_reversals.c.payment_id == payment_id)
        .values(moved_to_id=moved.payment_id)
    )
    uow.commit()
    return Reversed(
        undone.payment_id,
        undone.kind,
        undone.amount,
        undone.currency,
        undone.entry_id,
        undone.reopened,
        moved.payment_id,
        undone.reevaluated,
    )


def _raise_balances(conn: Connection, payment_id: int, now: datetime, user_id: int | None) -> list[int]:
    """Gives each account what the payment took back; reopens an account it had paid off."""
    a, pa = t.accounts.c, t.payment_allocations.c
    reopened = []
    for al in conn.execute(select(pa.account_id, pa.amount).where(pa.payment_id == payment_id)).all():
        row = conn.execute(
            update(t.accounts)
            .where(a.id == al.account_id)
            .values(balance=a.balance + al.amount)
            .returning(a.status, a.case_id)
        ).one()
        if row.status == "paid":
            conn.execute(
                update(t.accounts)
                .where(a.id == al.account_id)
                .values(status="open", status_reason=None, closed_on=None)
            )
            conn.execute(
                insert(t.account_changes).values(
                    account_id=al.account_id,
                    case_id=row.case_id,
                    at=now,
                    user_id=user_id,
                    from_status="paid",
                    to_status="open",
                    reason="payment reversed",
                )
            )
            reopened.append(int(al.account_id))
    return reopened


def _reopen_case(conn: Connection, case_id: int, now: datetime, user_id: int | None) -> None:
    """A case closed because the payment paid it off comes back to the queue, to follow up now."""
    c = t.cases.c
    done = conn.execute(
        update(t.cases)
        .where(c.id == case_id, c.stage == CaseStage.CLOSED.value)
        .values(
            stage=CaseStage.CONTACTING.value,
            next_action_channel="call",
            next_action_goal=Goal.FOLLOW_UP.value,
            next_action_note=None,
            next_action_due_at=now,
        )
    )
    if done.rowcount:
        audit.record(
            conn,
            at=now,
            user_id=user_id,
            action="case.reopened",
            entity="case",
            entity_id=case_id,
            detail={"why": "payment reversed"},
        )


def _case_of_account(conn: Connection, account_id: int) -> int:
    return int(conn.execute(select(t.accounts.c.case_id).where(t.accounts.c.id == account_id)).scalar_one())


def _moved_reference(conn: Connection, creditor_id: int, reference: str) -> str:
    """The moved payment's reference: the original's with a suffix no payment of the creditor has."""
    p = t.payments.c
    n = 1
    while True:
        candidate = f"{reference[: REFERENCE_MAX - 8]}~moved{n}"
        taken = conn.execute(
            select(p.id).where(and_(p.creditor_id == creditor_id, p.external_ref == candidate))
        ).scalar_one_or_none()
        if taken is None:
            return candidate
        n += 1
