"""The reads behind champion against challenger (domain/comparison.py, docs/reports.md): each case planned
in a period with the strategy of its latest plan row there, what its posted payments paid in the period,
and whether a promise was made for it in the period. Per case, so it cannot be a daily counter: the one
report that reads raw rows, bounded by the period and its plan rows.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import ColumnElement, Connection, and_, func, select, true

from huikuan.storage import tables as t
from huikuan.storage.bulk import read_frame
from huikuan.storage.report_store import Scope

ARM_SCHEMA = {
    "strategy": pl.Utf8,
    "currency": pl.Utf8,
    "recovered": pl.Int64,
    "promised": pl.Boolean,
    "paid": pl.Boolean,
    "rows": pl.Int64,
}


def _plan_scope(scope: Scope) -> ColumnElement[bool]:
    pr, c = t.plan_rows.c, t.cases.c
    user = func.coalesce(pr.user_id, c.assigned_user_id)
    parts: list[ColumnElement[bool]] = []
    if scope.creditor_ids is not None:
        parts.append(c.creditor_id.in_(scope.creditor_ids))
    if scope.team_id is not None:
        parts.append(user.in_(select(t.users.c.id).where(t.users.c.team_id == scope.team_id)))
    if scope.user_id is not None:
        parts.append(user == scope.user_id)
    if scope.segment is not None:
        parts.append(func.coalesce(c.segment, "") == scope.segment)
    if scope.product is not None:
        a = t.accounts.c
        parts.append(c.id.in_(select(a.case_id).where(a.product == scope.product)))
    return and_(true(), *parts)


def arm_cases(
    conn: Connection, scope: Scope, first: date, last: date, start: datetime, end: datetime
) -> pl.DataFrame:
    """One row per case planned on days first..last (UTC window [start, end) for its payments and
    promises): its strategy, currency, what it paid (minor units), whether it promised, whether it paid;
    and `rows`, how many plan rows it had in the period (the same on each of its rows)."""
    pr, c, cr, a, pay, p = t.plan_rows.c, t.cases.c, t.creditors.c, t.accounts.c, t.payments.c, t.promises.c
    planned = read_frame(
        conn,
        select(pr.case_id, pr.strategy, pr.plan_date, cr.currency)
        .select_from(t.plan_rows.join(t.cases, c.id == pr.case_id).join(t.creditors, cr.id == c.creditor_id))
        .where(pr.plan_date >= first, pr.plan_date <= last, _plan_scope(scope)),
        {"case_id": pl.Int64, "strategy": pl.Utf8, "plan_date": pl.Date, "currency": pl.Utf8},
    )
    if planned.height == 0:
        return pl.DataFrame(schema=ARM_SCHEMA)
    rows = planned.group_by("strategy", "currency").agg(pl.len().cast(pl.Int64).alias("rows"))
    arms = (
        planned.sort("plan_date")
        .group_by("case_id")
        .agg(pl.col("strategy", "currency").last())
        .join(rows, on=["strategy", "currency"], how="left")
    )
    in_plan = select(pr.case_id).where(pr.plan_date >= first, pr.plan_date <= last)
    paid = read_frame(
        conn,
        select(a.case_id, func.sum(pay.amount))
        .select_from(t.payments.join(t.accounts, a.id == pay.account_id))
        .where(pay.paid_at >= start, pay.paid_at < end, pay.status == "posted", a.case_id.in_(in_plan))
        .group_by(a.case_id),
        {"case_id": pl.Int64, "recovered": pl.Int64},
    )
    promised = read_frame(
        conn,
        select(p.case_id)
        .where(p.created_at >= start, p.created_at < end, p.case_id.in_(in_plan))
        .group_by(p.case_id),
        {"case_id": pl.Int64},
    ).with_columns(pl.lit(True).alias("promised"))
    return (
        arms.join(paid, on="case_id", how="left")
        .join(promised, on="case_id", how="left")
        .select(
            "strategy",
            "currency",
            pl.col("recovered").fill_null(0),
            pl.col("promised").fill_null(False),
            (pl.col("recovered").fill_null(0) > 0).alias("paid"),
            pl.col("rows").fill_null(0),
        )
        .cast(ARM_SCHEMA)  # type: ignore[arg-type]
    )


def arm_sums(frame: pl.DataFrame) -> list[dict[str, int | str]]:
    """Per strategy and currency: cases, the sum and the sum of squares of what they paid, and how many
    promised and paid, and the strategy's plan rows in the period (integers: the squares are summed as
    Python integers, which do not overflow)."""
    out: list[dict[str, int | str]] = []
    for (strategy, currency), part in sorted(
        frame.partition_by("strategy", "currency", as_dict=True).items(), key=lambda item: str(item[0])
    ):
        values = [int(v) for v in part["recovered"].to_list()]
        out.append(
            {
                "strategy": str(strategy),
                "currency": str(currency),
                "cases": part.height,
                "collected": sum(values),
                "collected_squares": sum(v * v for v in values),
                "promised": int(part["promised"].sum()),
                "paid": int(part["paid"].sum()),
                "rows": int(part["rows"].cast(pl.Int64).to_list()[0] or 0),
            }
        )
    return out
