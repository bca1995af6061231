"""Champion against challenger as the `reports` job keeps it (storage/tables/reports.py
`report_strategies`): a calendar month's rows replaced as a whole, and their sums per strategy and currency
within a scope, over the months of a period. What the dashboard reads: a few rows per month and scope,
never the plan rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, select, true

from huikuan.storage import tables as t
from huikuan.storage.report_store import Scope

LOW_BITS = 32  # collected_squares = high * 2**32 + low
SUMMED = (
    "cases",
    "plan_rows",
    "collected",
    "collected_squares_high",
    "collected_squares_low",
    "promised",
    "paid",
)


def replace_month(conn: Connection, month: date, rows: Sequence[dict[str, Any]]) -> None:
    """The month's rows (`month`: its first day), replacing whatever it had; each row's
    `collected_squares` is split into its high and low parts."""
    conn.execute(delete(t.report_strategies).where(t.report_strategies.c.month == month))
    kept = []
    for row in rows:
        squares = int(row["collected_squares"])
        kept.append(
            {
                **{k: v for k, v in row.items() if k != "collected_squares"},
                "month": month,
                "collected_squares_high": squares >> LOW_BITS,
                "collected_squares_low": squares & ((1 << LOW_BITS) - 1),
            }
        )
    if kept:
        conn.execute(insert(t.report_strategies), kept)


def _scope(scope: Scope) -> ColumnElement[bool]:
    r = t.report_strategies.c
    parts: list[ColumnElement[bool]] = []
    if scope.creditor_ids is not None:
        parts.append(r.creditor_id.in_(scope.creditor_ids))
    if scope.team_id is not None:
        parts.append(r.team_id == scope.team_id)
    if scope.user_id is not None:
        parts.append(r.user_id == scope.user_id)
    if scope.segment is not None:
        parts.append(r.segment == scope.segment)
    if scope.product is not None:
        parts.append(r.product == scope.product)
    return and_(true(), *parts)


def month_sums(conn: Connection, scope: Scope, first_month: date, last_month: date) -> list[dict[str, Any]]:
    """Per strategy and currency, the scope's kept figures summed over the months first_month..last_month
    (first days): cases, plan rows, collected, the sum of squares of what each case paid, promised, paid."""
    r = t.report_strategies.c
    query = (
        select(r.strategy, r.currency, *(func.sum(getattr(r, name)).label(name) for name in SUMMED))
        .where(r.month >= first_month, r.month <= last_month, _scope(scope))
        .group_by(r.strategy, r.currency)
    )
    out = []
    for row in conn.execute(query):
        values = {name: int(getattr(row, name) or 0) for name in SUMMED}
        high, low = values.pop("collected_squares_high"), values.pop("collected_squares_low")
        out.append(
            {
                "strategy": row.strategy,
                "currency": row.currency,
                **values,
                "collected_squares": (high << LOW_BITS) + low,
            }
        )
    return out
