"""The ledger as a whole: a balance changed by the creditor, and `huikuan ledger check`.

The check proves the one truth the rest relies on, with a few grouped queries (no row-by-row walk):
every entry has lines (each line balanced by construction: it debits and credits the same amount in its
entry's currency); every reversal undoes exactly the entry it names; each debt account's stored balance
equals its receivable in the journal; each creditor's portfolio equals the sum of its receivables; each
payment's allocations equal what its entry took off receivables, and a reversed payment has its
reversal. It reports the totals of every book per currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, select, union_all, update

from huikuan.domain.ledger import DEBIT_NORMAL, Book, Entry, EntryKind, Leg, Side
from huikuan.storage import tables as t
from huikuan.storage.ledger import write_entry
from huikuan.storage.uow import UnitOfWork

SHOWN = 20  # mismatches listed in the report (all are counted)


def adjust_balances(
    conn: Connection,
    where: ColumnElement[bool],
    balance: int,
    *,
    at: datetime,
    user_id: int | None,
    reason: str,
) -> int:
    """Sets the balance of the accounts `where` selects, with the adjustment entry of each change; the
    number of accounts changed."""
    a = t.accounts.c
    rows = conn.execute(select(a.id, a.creditor_id, a.currency, a.balance).where(where)).all()
    changed = 0
    for r in rows:
        delta = balance - r.balance
        if delta == 0:
            continue
        receivable, portfolio = Side(Book.RECEIVABLE, r.id), Side(Book.PORTFOLIO, r.creditor_id)
        leg = (
            Leg(receivable, portfolio, delta, r.currency)
            if delta > 0
            else Leg(portfolio, receivable, -delta, r.currency)
        )
        write_entry(
            conn,
            Entry(EntryKind.ADJUSTMENT, r.creditor_id, (leg,), reason),
            at=at,
            posted_at=at,
            user_id=user_id,
        )
        conn.execute(update(t.accounts).where(a.id == r.id).values(balance=balance))
        changed += 1
    return changed


@dataclass
class LedgerCheck:
    entries: int = 0
    lines: int = 0
    balances: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "lines": self.lines,
            "balances": self.balances,
            "problems": self.problems,
            "examples": self.examples,
        }


def check_ledger(uow: UnitOfWork, creditor_ids: Sequence[int] | None = None) -> LedgerCheck:
    """Checks the whole journal (or one creditor's part); see the module docstring."""
    conn = uow.session.connection()
    le, ll = t.ledger_entries.c, t.ledger_lines.c
    mine = le.creditor_id.in_(creditor_ids) if creditor_ids else literal(True)
    report = LedgerCheck()
    report.entries = int(
        conn.execute(select(func.count()).select_from(t.ledger_entries).where(mine)).scalar_one()
    )
    report.lines = int(
        conn.execute(
            select(func.count())
            .select_from(t.ledger_lines.join(t.ledger_entries, le.id == ll.entry_id))
            .where(mine)
        ).scalar_one()
    )
    empty = conn.execute(
        select(le.id).where(mine, ~select(ll.id).where(ll.entry_id == le.id).exists()).limit(SHOWN)
    ).scalars()
    _found(report, "entries_without_lines", [{"entry_id": i} for i in empty])
    report.balances = _book_totals(conn, mine)
    _found(report, "reversals_not_matching", _bad_reversals(conn, mine))
    _found(report, "balances_not_matching", _balances_not_matching(conn, creditor_ids))
    _found(report, "portfolios_not_matching", _portfolios_not_matching(conn, creditor_ids))
    _found(report, "allocations_not_matching", _allocations_not_matching(conn, creditor_ids))
    _found(report, "reversed_without_entry", _reversed_without_entry(conn, creditor_ids))
    return report


def _found(report: LedgerCheck, name: str, rows: Sequence[dict[str, Any]] | Any) -> None:
    rows = list(rows)
    report.problems[name] = len(rows)
    report.examples.extend({"problem": name, **r} for r in rows[: max(0, SHOWN - len(report.examples))])


def _signed(ll: Any) -> Any:
    """Each line as two rows (book, ref, currency, signed amount on the book's normal side)."""
    rows = []
    for side, sign in (("debit", 1), ("credit", -1)):
        book = getattr(ll, f"{side}_book")
        normal = case((book.in_([b.value for b in DEBIT_NORMAL]), 1), else_=-1)
        rows.append(
            select(
                book.label("book"),
                getattr(ll, f"{side}_ref").label("ref"),
                ll.currency.label("currency"),
                (ll.amount * sign * normal).label("amount"),
                ll.entry_id.label("entry_id"),
            )
        )
    return union_all(*rows).subquery()


def _book_totals(conn: Connection, mine: Any) -> dict[str, dict[str, int]]:
    le = t.ledger_entries.c
    s = _signed(t.ledger_lines.c)
    rows = conn.execute(
        select(s.c.currency, s.c.book, func.sum(s.c.amount))
        .join(t.ledger_entries, le.id == s.c.entry_id)
        .where(mine)
        .group_by(s.c.currency, s.c.book)
    ).all()
    out: dict[str, dict[str, int]] = {}
    for currency, book, total in rows:
        out.setdefault(currency, {b.value: 0 for b in Book})[book] = int(total or 0)
    return out


def _receivables(creditor_ids: Sequence[int] | None) -> Any:
    s = _signed(t.ledger_lines.c)
    q = select(s.c.ref.label("account_id"), func.sum(s.c.amount).label("owed")).where(
        s.c.book == Book.RECEIVABLE.value
    )
    if creditor_ids:
        le = t.ledger_entries.c
        q = q.join(t.ledger_entries, le.id == s.c.entry_id).where(le.creditor_id.in_(creditor_ids))
    return q.group_by(s.c.ref).subquery()


def _balances_not_matching(conn: Connection, creditor_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    a = t.accounts.c
    r = _receivables(creditor_ids)
    q = (
        select(a.id, a.balance, func.coalesce(r.c.owed, 0).label("owed"))
        .outerjoin(r, r.c.account_id == a.id)
        .where(a.balance != func.coalesce(r.c.owed, 0))
    )
    if creditor_ids:
        q = q.where(a.creditor_id.in_(creditor_ids))
    rows = conn.execute(q.order_by(a.id)).all()
    return [{"account_id": x.id, "stored": int(x.balance), "ledger": int(x.owed)} for x in rows]


def _portfolios_not_matching(conn: Connection, creditor_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    s = _signed(t.ledger_lines.c)
    by_book = (
        select(
            s.c.currency,
            func.sum(case((s.c.book == Book.PORTFOLIO.value, s.c.amount), else_=0)).label("portfolio"),
            func.sum(case((s.c.book == Book.RECEIVABLE.value, s.c.amount), else_=0)).label("receivable"),
            t.ledger_entries.c.creditor_id,
        )
        .join(t.ledger_entries, t.ledger_entries.c.id == s.c.entry_id)
        .group_by(t.ledger_entries.c.creditor_id, s.c.currency)
    )
    if creditor_ids:
        by_book = by_book.where(t.ledger_entries.c.creditor_id.in_(creditor_ids))
    return [
        {
            "creditor_id": r.creditor_id,
            "currency": r.currency,
            "portfolio": int(r.portfolio),
            "receivable": int(r.receivable),
        }
        for r in conn.execute(by_book).all()
        if int(r.portfolio or 0) != int(r.receivable or 0)
    ]


def _allocations_not_matching(conn: Connection, creditor_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Each payment's allocations against the receivable lines of its own payment entry."""
    p, pa, le, ll = t.payments.c, t.payment_allocations.c, t.ledger_entries.c, t.ledger_lines.c
    allocated = select(pa.payment_id, func.sum(pa.amount).label("amount")).group_by(pa.payment_id).subquery()
    taken = (
        select(le.payment_id, func.sum(ll.amount).label("amount"))
        .join(t.ledger_lines, ll.entry_id == le.id)
        .where(le.kind == EntryKind.PAYMENT.value, ll.credit_book == Book.RECEIVABLE.value)
        .group_by(le.payment_id)
        .subquery()
    )
    q = (
        select(
            p.id, func.coalesce(allocated.c.amount, 0).label("a"), func.coalesce(taken.c.amount, 0).label("l")
        )
        .outerjoin(allocated, allocated.c.payment_id == p.id)
        .outerjoin(taken, taken.c.payment_id == p.id)
        .where(func.coalesce(allocated.c.amount, 0) != func.coalesce(taken.c.amount, 0))
    )
    if creditor_ids:
        q = q.where(p.creditor_id.in_(creditor_ids))
    return [{"payment_id": r.id, "allocated": int(r.a), "ledger": int(r.l)} for r in conn.execute(q).all()]


def _reversed_without_entry(conn: Connection, creditor_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    p, le = t.payments.c, t.ledger_entries.c
    undone = select(le.id).where(le.payment_id == p.id, le.kind == EntryKind.REVERSAL.value).exists()
    q = select(p.id).where(p.status == "reversed", ~undone)
    if creditor_ids:
        q = q.where(p.creditor_id.in_(creditor_ids))
    return [{"payment_id": i} for i in conn.execute(q).scalars()]


def _bad_reversals(conn: Connection, mine: Any) -> list[dict[str, Any]]:
    """A reversal's lines must be its original's, each with its sides swapped."""
    le, ll = t.ledger_entries.c, t.ledger_lines.c
    rev = t.ledger_entries.alias("rev")
    pairs = conn.execute(
        select(rev.c.id, rev.c.reverses_id).where(
            rev.c.reverses_id.is_not(None), rev.c.creditor_id.in_(select(le.creditor_id).where(mine))
        )
    ).all()
    bad = []
    for rid, oid in pairs:

        def legs(entry_id: int, swap: bool) -> list[tuple[Any, ...]]:
            rows = conn.execute(
                select(ll.debit_book, ll.debit_ref, ll.credit_book, ll.credit_ref, ll.amount).where(
                    and_(ll.entry_id == entry_id)
                )
            ).all()
            return sorted((r[2], r[3], r[0], r[1], r[4]) if swap else tuple(r) for r in rows)

        if legs(rid, True) != legs(oid, False):
            bad.append({"entry_id": rid, "reverses_id": oid})
    return bad
