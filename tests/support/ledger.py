"""The journal for the money tests: the floor's accounts opened in the ledger the way a placement file
opens them, and the sums the tests compare."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update

from huikuan.domain.ledger import DEBIT_NORMAL, Book, Entry, EntryKind, Leg, Side, balances
from huikuan.storage import tables as t
from huikuan.storage.ledger import write_entry
from huikuan.storage.uow import UnitOfWork

PLACED_ON = date(2026, 9, 1)
OPENED = datetime(2026, 9, 1, tzinfo=UTC)


def open_journal(uow: UnitOfWork, *, placed_on: date = PLACED_ON) -> None:
    """One placement entry per creditor and currency for every account not in the journal yet (its
    balance: receivable <- portfolio), and the accounts' placement day. Commits."""
    a, ll = t.accounts.c, t.ledger_lines.c
    opened = select(ll.debit_ref).where(ll.debit_book == Book.RECEIVABLE.value)
    rows = uow.session.execute(
        select(a.id, a.creditor_id, a.currency, a.balance).where(a.balance > 0, a.id.not_in(opened))
    ).all()
    groups: dict[tuple[int, str], list[Leg]] = {}
    for r in rows:
        groups.setdefault((r.creditor_id, r.currency), []).append(
            Leg(Side(Book.RECEIVABLE, r.id), Side(Book.PORTFOLIO, r.creditor_id), r.balance, r.currency)
        )
    conn = uow.session.connection()
    for (creditor_id, _currency), legs in groups.items():
        entry = Entry(EntryKind.PLACEMENT, creditor_id, tuple(legs), "placement file")
        write_entry(conn, entry, at=OPENED, posted_at=OPENED)
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
