"""The journal's storage: entries written (never changed), legs read back, balances derived.

Balances are always sums of lines: nothing stores a ledger balance. The debt account's stored balance
(`accounts.balance`) is a copy the queues read; every change to it is written in the same transaction as
its entry, and `services/ledger_check.py` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, func, insert, select, union_all

from huikuan.domain.ledger import DEBIT_NORMAL, Book, Entry, EntryKind, Leg, Side
from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame


def write_entry(
    conn: Connection,
    entry: Entry,
    *,
    at: datetime,
    posted_at: datetime,
    payment_id: int | None = None,
    reverses_id: int | None = None,
    user_id: int | None = None,
) -> int:
    """Writes one entry and its lines; its id. Every leg is in the entry's one currency."""
    currencies = {leg.currency for leg in entry.legs}
    if len(currencies) != 1:
        raise ValueError(f"one entry, one currency: {sorted(currencies)}")
    currency = currencies.pop()
    entry_id = conn.execute(
        insert(t.ledger_entries)
        .values(
            kind=entry.kind.value,
            creditor_id=entry.creditor_id,
            currency=currency,
            at=at,
            posted_at=posted_at,
            payment_id=payment_id,
            reverses_id=reverses_id,
            user_id=user_id,
            reason=entry.reason,
        )
        .returning(t.ledger_entries.c.id)
    ).scalar_one()
    conn.execute(
        insert(t.ledger_lines),
        [
            {
                "entry_id": entry_id,
                "currency": currency,
                "debit_book": leg.debit.book.value,
                "debit_ref": leg.debit.ref,
                "credit_book": leg.credit.book.value,
                "credit_ref": leg.credit.ref,
                "amount": leg.amount,
            }
            for leg in entry.legs
        ],
    )
    return int(entry_id)


def write_bulk_entry(
    conn: Connection,
    *,
    kind: EntryKind,
    creditor_id: int,
    currency: str,
    at: datetime,
    reason: str,
    lines: pl.DataFrame,
) -> int | None:
    """One entry of many lines at once (a placement file's opening balances or its changes): `lines` has
    debit_book, debit_ref, credit_book, credit_ref and amount (> 0). None when there is nothing to write."""
    lines = lines.filter(pl.col("amount") > 0)
    if lines.height == 0:
        return None
    entry_id = conn.execute(
        insert(t.ledger_entries)
        .values(
            kind=kind.value, creditor_id=creditor_id, currency=currency, at=at, posted_at=at, reason=reason
        )
        .returning(t.ledger_entries.c.id)
    ).scalar_one()
    ids = allocate_ids(conn, t.ledger_lines, lines.height)
    insert_frame(
        conn,
        t.ledger_lines,
        lines.select("debit_book", "debit_ref", "credit_book", "credit_ref", "amount").with_columns(
            ids, pl.lit(entry_id, dtype=pl.Int64).alias("entry_id"), pl.lit(currency).alias("currency")
        ),
    )
    return int(entry_id)


def entry_legs(conn: Connection, entry_id: int) -> list[Leg]:
    """The legs of one entry, in the order written."""
    ll = t.ledger_lines.c
    rows = conn.execute(
        select(ll.debit_book, ll.debit_ref, ll.credit_book, ll.credit_ref, ll.amount, ll.currency)
        .where(ll.entry_id == entry_id)
        .order_by(ll.id)
    ).all()
    return [
        Leg(
            Side(Book(r.debit_book), r.debit_ref),
            Side(Book(r.credit_book), r.credit_ref),
            r.amount,
            r.currency,
        )
        for r in rows
    ]


def book_balances(conn: Connection, book: Book, refs: Sequence[int] | None = None) -> dict[int, int]:
    """The balance of each ledger account of one book (on the book's normal side), by reference; those
    that are zero are left out. `refs` narrows it to some references."""
    ll = t.ledger_lines.c
    normal = 1 if book in DEBIT_NORMAL else -1
    debits = select(ll.debit_ref.label("ref"), (ll.amount * normal).label("amount")).where(
        ll.debit_book == book.value
    )
    credits = select(ll.credit_ref.label("ref"), (-ll.amount * normal).label("amount")).where(
        ll.credit_book == book.value
    )
    if refs is not None:
        debits = debits.where(ll.debit_ref.in_(refs))
        credits = credits.where(ll.credit_ref.in_(refs))
    both = union_all(debits, credits).subquery()
    rows = conn.execute(select(both.c.ref, func.sum(both.c.amount)).group_by(both.c.ref)).all()
    return {int(r[0]): int(r[1]) for r in rows if r[1]}


def receivables(conn: Connection, account_ids: Iterable[int]) -> dict[int, int]:
    """What the ledger says each debt account owes (0 for one it does not know)."""
    ids = list(account_ids)
    found = book_balances(conn, Book.RECEIVABLE, ids)
    return {i: found.get(i, 0) for i in ids}
