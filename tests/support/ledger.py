"""The journal for the money tests: the floor's accounts opened in the ledger the way a placement file
opens them, and the sums the tests compare."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from tests.support.floor import open_journal as floor_open_journal

from huikuan.domain.ledger import DEBIT_NORMAL, Book, Leg, Side, balances
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PLACED_ON = date(2026, 9, 1)


def open_journal(uow: UnitOfWork, *, placed_on: date = PLACED_ON) -> None:
    """Every account not in the journal yet opened at its balance (tests/support/floor.open_journal), and
    the accounts' placement day (the commission tiers read a payment's age from it). Commits."""
    a, ll = t.accounts.c, t.ledger_lines.c
    opened = select(ll.debit_ref).where(ll.debit_book == Book.RECEIVABLE.value)
    fresh = uow.session.execute(select(a.id).where(a.balance > 0, a.id.not_in(opened))).scalars().all()
    if fresh:
        floor_open_journal(uow, list(fresh))
    uow.session.execute(update(t.accounts).where(a.placed_on.is_(None)).values(placed_on=placed_on))
    uow.commit()


def journal_legs(uow: UnitOfWork) -> list[Leg]:
    return [
        Leg(
            Side(Book(r.debit_book), r.debit_ref),
            Side(Book(r.credit_book), r.credit_ref),
            r.amount,
            r.currency,
        )
        for r in uow.session.execute(select(t.ledger_lines)).all()
    ]


def book_sums(totals: dict[str, dict[str, int]]) -> dict[str, int]:
    """Each currency's sum of every book's signed total (debits - credits), from `huikuan ledger check`'s
    totals (each on its book's normal side): zero in every currency when money is conserved."""
    return {
        currency: sum(v if Book(b) in DEBIT_NORMAL else -v for b, v in books.items())
        for currency, books in totals.items()
    }


def ledger_balance(uow: UnitOfWork, book: Book, ref: int) -> int:
    return balances(journal_legs(uow)).get(Side(book, ref), 0)


def placed_minus_allocated(uow: UnitOfWork, account_id: int, placed: int) -> int:
    """What an account owes by its allocations: placed minus what its posted payments took."""
    pa, p = t.payment_allocations.c, t.payments.c
    taken = uow.session.execute(
        select(func.coalesce(func.sum(pa.amount), 0))
        .join(t.payments, p.id == pa.payment_id)
        .where(pa.account_id == account_id, p.status == "posted")
    ).scalar_one()
    return placed - int(taken)


def row(uow: UnitOfWork, table: Any, id_: int) -> Any:
    return uow.session.execute(select(table).where(table.c.id == id_)).one()
