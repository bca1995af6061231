"""Money held for a debtor (an overpayment, or a payment that only a disputed debt could have taken)
paid back to the debtor: a refund entry of its own, held -> the book the money sits in.

What is held for a debt account is the balance of its `held` ledger account; each part came from the
agency's trust account or from money the creditor received directly, and goes back from the same place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select

from huikuan.domain.ledger import Book, Entry, EntryKind, Leg, Side
from huikuan.errors import InvalidInput, NotFound
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.ledger import write_entry
from huikuan.storage.uow import UnitOfWork

CASH_BOOKS = (Book.TRUST, Book.DIRECT)


@dataclass(frozen=True)
class Refunded:
    account_id: int
    amount: int
    currency: str
    entry_id: int
    held_left: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def held_for(uow: UnitOfWork, account_id: int) -> dict[Book, int]:
    """What is held for the account, by the book the money sits in (trust or direct)."""
    ll = t.ledger_lines.c
    into = (ll.credit_book == Book.HELD.value) & (ll.credit_ref == account_id)
    out = (ll.debit_book == Book.HELD.value) & (ll.debit_ref == account_id)
    cash = case((into, ll.debit_book), else_=ll.credit_book)
    rows = uow.session.execute(
        select(cash.label("book"), func.sum(case((into, ll.amount), else_=-ll.amount)))
        .where(into | out)
        .group_by(cash)
    ).all()
    return {Book(r[0]): int(r[1]) for r in rows if r[1]}


def refund_held(
    uow: UnitOfWork,
    user_id: int | None,
    account_id: int,
    *,
    amount: int,
    reason: str,
    now: datetime | None = None,
) -> Refunded:
    """Pays back `amount` of what is held for the account (trust money first) and commits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    a = t.accounts.c
    account = uow.session.execute(
        select(a.id, a.creditor_id, a.currency, a.case_id).where(a.id == account_id)
    ).one_or_none()
    if account is None:
        raise NotFound("No account with id {id}", id=account_id)
    if not reason.strip():
        raise InvalidInput("Say why the money is paid back")
    held = held_for(uow, account_id)
    total = sum(held.values())
    if amount <= 0 or amount > total:
        raise InvalidInput("At most {held} is held for this account", held=total)
    legs, left = [], amount
    for book in CASH_BOOKS:
        take = min(left, held.get(book, 0))
        if take > 0:
            legs.append(
                Leg(Side(Book.HELD, account_id), Side(book, account.creditor_id), take, account.currency)
            )
            left -= take
    entry = Entry(EntryKind.REFUND, account.creditor_id, tuple(legs), reason.strip())
    conn = uow.session.connection()
    entry_id = write_entry(conn, entry, at=now, posted_at=now, user_id=user_id)
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="payment.refunded",
        entity="case",
        entity_id=account.case_id,
        detail={"account_id": account_id, "amount": amount},
    )
    uow.commit()
    return Refunded(account_id, amount, account.currency, entry_id, total - amount)
