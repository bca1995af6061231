"""The creditor portal's grouped figures (services/portal.py): counted live from the accounts and the
payments, or read from what the `reports` job kept (storage/tables/reports.py `portfolio_*`), the same
two groupings either way, so the portal shows the same numbers whichever it reads.

- placed: per placement month and the account's currency, the accounts, what was placed (principal +
  interest + fees as placed), the open ones and their balance;
- paid: per placement month, months since placement (the payment's UTC calendar month against the
  placement month) and the payment's currency, what the posted payments paid.

A placement month is a month index, year * 12 + month - 1 (None: placed before the day was recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    select,
)

from huikuan.storage import tables as t

# (placed month, currency, accounts, placed, open accounts, open balance)
PlacedRow = tuple[int | None, str, int, int, int, int]
# (placed month, months since placement, currency, amount)
PaidRow = tuple[int | None, int | None, str, int]
# (status, due day, currency, promises, what is left of them)
PromiseRow = tuple[str, date, str, int, int]
KEPT_PROMISES = ("pending", "broken")


@dataclass(frozen=True)
class Groups:
    placed: list[PlacedRow]
    paid: list[PaidRow]
    promises: list[PromiseRow]


def _month_index(column: Any) -> ColumnElement[int]:
    """Months since year 0 of a date or instant: year * 12 + month - 1 (SQLite and PostgreSQL alike)."""
    return cast(extract("year", column), Integer) * 12 + cast(extract("month", column), Integer) - 1


def _utc(conn: Connection, instant: Any) -> Any:
    """An instant column as UTC wall time: PostgreSQL would otherwise read its month in the session's zone
    (SQLite keeps instants in UTC already)."""
    return func.timezone("UTC", instant) if conn.dialect.name == "postgresql" else instant


def _placed_query(creditor_id: int | None) -> Select[Any]:
    a = t.accounts.c
    is_open = a.status == "open"
    rows = select(
        a.creditor_id.label("creditor_id"),
        _month_index(a.placed_on).label("m"),
        a.currency.label("currency"),
        (a.principal + a.interest + a.fees).label("placed"),
        case((is_open, 1), else_=0).label("open"),
        case((is_open, a.balance), else_=0).label("open_balance"),
    )
    if creditor_id is not None:
        rows = rows.where(a.creditor_id == creditor_id)
    inner = rows.subquery("placed_rows")
    return select(
        inner.c.creditor_id,
        inner.c.m,
        inner.c.currency,
        func.count(),
        func.coalesce(func.sum(inner.c.placed), 0),
        func.coalesce(func.sum(inner.c.open), 0),
        func.coalesce(func.sum(inner.c.open_balance), 0),
    ).group_by(inner.c.creditor_id, inner.c.m, inner.c.currency)


def _paid_query(conn: Connection, creditor_id: int | None) -> Select[Any]:
    a, p = t.accounts.c, t.payments.c
    rows = (
        select(
            p.creditor_id.label("creditor_id"),
            _month_index(a.placed_on).label("m"),
            (_month_index(_utc(conn, p.paid_at)) - _month_index(a.placed_on)).label("age"),
            p.currency.label("currency"),
            p.amount.label("amount"),
        )
        .select_from(t.payments.join(t.accounts, a.id == p.account_id))
        .where(p.status == "posted")
    )
    if creditor_id is not None:
        rows = rows.where(p.creditor_id == creditor_id)
    inner = rows.subquery("paid_rows")
    return select(
        inner.c.creditor_id, inner.c.m, inner.c.age, inner.c.currency, func.sum(inner.c.amount)
    ).group_by(inner.c.creditor_id, inner.c.m, inner.c.age, inner.c.currency)


def _promises_query(creditor_id: int | None) -> Select[Any]:
    pr, c = t.promises.c, t.cases.c
    rows = (
        select(
            c.creditor_id.label("creditor_id"),
            pr.status.label("status"),
            pr.due_date.label("due_date"),
            pr.currency.label("currency"),
            (pr.amount - pr.paid_amount).label("left"),
        )
        .select_from(t.promises.join(t.cases, c.id == pr.case_id))
        .where(pr.status.in_(KEPT_PROMISES))
    )
    if creditor_id is not None:
        rows = rows.where(c.creditor_id == creditor_id)
    inner = rows.subquery("promise_rows")
    return select(
        inner.c.creditor_id,
        inner.c.status,
        inner.c.due_date,
        inner.c.currency,
        func.count(),
        func.coalesce(func.sum(inner.c.left), 0),
    ).group_by(inner.c.creditor_id, inner.c.status, inner.c.due_date, inner.c.currency)


def live(conn: Connection, creditor_id: int) -> Groups:
    """The creditor's groups counted now from the accounts, the payments and the promises."""
    placed = [_placed(r[1:]) for r in conn.execute(_placed_query(creditor_id))]
    paid = [_paid(r[1:]) for r in conn.execute(_paid_query(conn, creditor_id))]
    promises = [_promise(r[1:]) for r in conn.execute(_promises_query(creditor_id))]
    return Groups(placed, paid, promises)


def keep(conn: Connection, now: datetime) -> int:
    """Every creditor's groups counted now and kept (replacing what was kept), taken at `now`; the rows
    kept. In SQL alone: no account passes through Python."""
    m, pd = t.portfolio_months, t.portfolio_paid
    conn.execute(delete(m))
    conn.execute(delete(pd))
    conn.execute(delete(t.portfolio_promises))
    conn.execute(delete(t.portfolio_taken))
    months = (
        "creditor_id",
        "placed_month",
        "currency",
        "accounts",
        "placed",
        "open_accounts",
        "open_balance",
    )
    kept = conn.execute(insert(m).from_select(list(months), _placed_query(None))).rowcount or 0
    paid_columns = ("creditor_id", "placed_month", "age", "currency", "amount")
    kept += conn.execute(insert(pd).from_select(list(paid_columns), _paid_query(conn, None))).rowcount or 0
    promise_columns = ("creditor_id", "status", "due_date", "currency", "promises", "amount_left")
    kept += (
        conn.execute(
            insert(t.portfolio_promises).from_select(list(promise_columns), _promises_query(None))
        ).rowcount
        or 0
    )
    conn.execute(insert(t.portfolio_taken).values(id=1, taken_at=now))
    return max(kept, 0)


def kept(conn: Connection, creditor_id: int) -> tuple[datetime, Groups] | None:
    """The creditor's groups as the job last kept them, and when; None if it never has."""
    taken = conn.execute(select(t.portfolio_taken.c.taken_at)).scalar_one_or_none()
    if taken is None:
        return None
    m, pd = t.portfolio_months.c, t.portfolio_paid.c
    placed = conn.execute(
        select(m.placed_month, m.currency, m.accounts, m.placed, m.open_accounts, m.open_balance).where(
            m.creditor_id == creditor_id
        )
    )
    paid = conn.execute(
        select(pd.placed_month, pd.age, pd.currency, pd.amount).where(pd.creditor_id == creditor_id)
    )
    k = t.portfolio_promises.c
    promises = conn.execute(
        select(k.status, k.due_date, k.currency, k.promises, k.amount_left).where(
            k.creditor_id == creditor_id
        )
    )
    return taken, Groups(
        [_placed(r) for r in placed], [_paid(r) for r in paid], [_promise(r) for r in promises]
    )


def _promise(r: Any) -> PromiseRow:
    status, due, currency, n, left = r
    due_day = due if isinstance(due, date) else date.fromisoformat(str(due))
    return (str(status), due_day, currency, int(n), int(left or 0))


def _placed(r: Any) -> PlacedRow:
    m, currency, n, placed, open_n, open_balance = r
    return (
        None if m is None else int(m),
        currency,
        int(n),
        int(placed or 0),
        int(open_n or 0),
        int(open_balance or 0),
    )


def _paid(r: Any) -> PaidRow:
    m, age, currency, amount = r
    return (None if m is None else int(m), None if age is None else int(age), currency, int(amount or 0))
