"""The open-account figures each case keeps (cases.open_accounts, open_balance, open_currency,
open_overdue_since), which triggers on `accounts` (migration 0019) compute again whenever an account is
written. `drift` reports any case whose figures differ from its accounts (there should be none); `refresh`
computes them again for the cases named, or all (a repair, e.g. after loading rows with triggers off)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, func, or_, select, update

from huikuan.storage import tables as t


def _sums() -> tuple[object, object, object, object]:
    a, c = t.accounts.c, t.cases.c
    mine = and_(a.case_id == c.id, a.status == "open")
    return (
        select(func.count()).where(mine).scalar_subquery(),
        select(func.coalesce(func.sum(a.balance), 0)).where(mine).scalar_subquery(),
        select(func.min(a.currency)).where(mine).scalar_subquery(),
        select(func.min(a.overdue_since)).where(mine).scalar_subquery(),
    )


def drift(conn: Connection, limit: int = 100) -> list[int]:
    """The ids of up to `limit` cases whose kept figures are not those of their open accounts."""
    c = t.cases.c
    n, balance, currency, since = _sums()
    differs = or_(
        c.open_accounts != n,
        c.open_balance != balance,
        func.coalesce(c.open_currency, "") != func.coalesce(currency, ""),
        c.open_overdue_since.is_distinct_from(since),
    )
    return [int(i) for i in conn.execute(select(c.id).where(differs).order_by(c.id).limit(limit)).scalars()]


def refresh(conn: Connection, case_ids: Sequence[int] | None = None) -> int:
    """Computes the kept figures again (for `case_ids`, or every case); how many cases were written."""
    c = t.cases.c
    n, balance, currency, since = _sums()
    query = update(t.cases).values(
        open_accounts=n, open_balance=balance, open_currency=currency, open_overdue_since=since
    )
    if case_ids is not None:
        query = query.where(c.id.in_(list(case_ids)))
    return int(getattr(conn.execute(query), "rowcount", 0))


__all__ = ["drift", "refresh"]
