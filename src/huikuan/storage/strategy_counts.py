"""The per-case reads behind champion against challenger (domain/comparison.py, docs/reports.md): each case
planned in a period with the strategy and collector of its latest plan row there, what its posted
payments paid in the period, and whether a promise was made for it in the period. Per case, so it cannot
be a daily counter: the `reports` job reads it once per calendar month (services/reports.py) and keeps
the sums by month, scope and strategy (storage/strategy_store.py); the dashboard reads only those.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, select, true

from huikuan.storage import tables as t
from huikuan.storage.bulk import read_frame
from huikuan.storage.report_store import Scope

# What a case or a plan row counts for, besides its strategy and currency.
DIMENSIONS = ("creditor_id", "user_id", "segment", "product")
CASE_SCHEMA = {
    "case_id": pl.Int64,
    "strategy": pl.Utf8,
    "currency": pl.Utf8,
    "creditor_id": pl.Int64,
    "user_id": pl.Int64,
    "segment": pl.Utf8,
    "product": pl.Utf8,
    "recovered": pl.Int64,
    "promised": pl.Boolean,
    "paid": pl.Boolean,
}
ROW_SCHEMA = {
    "strategy": pl.Utf8,
    "currency": pl.Utf8,
    "creditor_id": pl.Int64,
    "user_id": pl.Int64,
    "segment": pl.Utf8,
    "product": pl.Utf8,
}


def _first_product(case_id: ColumnElement[int]) -> ColumnElement[str]:
    """The product of the case's first account (lowest id), "" where it has none (as report_daily)."""
    a = t.accounts.c
    first = select(a.product).where(a.case_id == case_id).order_by(a.id).limit(1).scalar_subquery()
    return func.coalesce(first, literal(""))


def _case_scope(scope: Scope) -> ColumnElement[bool]:
    """What the scope asks of a case: its creditor, segment and first product."""
    c = t.cases.c
    parts: list[ColumnElement[bool]] = []
    if scope.creditor_ids is not None:
        parts.append(c.creditor_id.in_(scope.creditor_ids))
    if scope.segment is not None:
        parts.append(func.coalesce(c.segment, "") == scope.segment)
    if scope.product is not None:
        parts.append(_first_product(c.id) == scope.product)
    return and_(true(), *parts)


def _row_scope(scope: Scope) -> ColumnElement[bool]:
    """What the scope asks of a plan row: its collector (or else the case's), or that one's team."""
    pr, c = t.plan_rows.c, t.cases.c
    user = func.coalesce(pr.user_id, c.assigned_user_id)
    parts: list[ColumnElement[bool]] = []
    if scope.team_id is not None:
        parts.append(user.in_(select(t.users.c.id).where(t.users.c.team_id == scope.team_id)))
    if scope.user_id is not None:
        parts.append(user == scope.user_id)
    return and_(true(), *parts)


def planned_rows(conn: Connection, scope: Scope, first: date, last: date) -> pl.DataFrame:
    """The plan rows of days first..last of the scope's cases: case, day, strategy, currency, what the row
    counts for (its collector, or else the case's; the case's creditor, segment and first product) and
    `in_scope`, whether the row's collector is the scope's."""
    pr, c, cr = t.plan_rows.c, t.cases.c, t.creditors.c
    query = (
        select(
            pr.case_id,
            pr.plan_date,
            pr.strategy,
            cr.currency,
            c.creditor_id,
            func.coalesce(pr.user_id, c.assigned_user_id),
            func.coalesce(c.segment, ""),
            case((_row_scope(scope), 1), else_=0),
        )
        .select_from(t.plan_rows.join(t.cases, c.id == pr.case_id).join(t.creditors, cr.id == c.creditor_id))
        .where(pr.plan_date >= first, pr.plan_date <= last, _case_scope(scope))
    )
    schema = {
        "case_id": pl.Int64,
        "plan_date": pl.Date,
        **{k: v for k, v in ROW_SCHEMA.items() if k != "product"},
        "in_scope": pl.Int64,
    }
    rows = read_frame(conn, query, schema).with_columns(pl.col("in_scope").cast(pl.Boolean))
    a = t.accounts.c
    in_plan = select(pr.case_id).where(pr.plan_date >= first, pr.plan_date <= last)
    products = (
        read_frame(
            conn,
            select(a.case_id, a.id, a.product).where(a.case_id.in_(in_plan)),
            {"case_id": pl.Int64, "account_id": pl.Int64, "product": pl.Utf8},
        )
        .sort("account_id")
        .group_by("case_id")
        .agg(pl.col("product").first())
    )
    return rows.join(products, on="case_id", how="left").with_columns(pl.col("product").fill_null(""))


def arm_cases(
    conn: Connection, planned: pl.DataFrame, first: date, last: date, start: datetime, end: datetime
) -> pl.DataFrame:
    """One row per case of `planned` (planned_rows of days first..last; UTC window [start, end) for its
    payments and promises) whose latest plan row is in the scope: the strategy and what that row counts
    for, what it paid (minor units), whether it promised, whether it paid."""
    if planned.height == 0:
        return pl.DataFrame(schema=CASE_SCHEMA)
    pr, a, pay, p = t.plan_rows.c, t.accounts.c, t.payments.c, t.promises.c
    cases = (  # a case counts for its latest plan row, if that row is the scope's
        planned.sort("plan_date")
        .group_by("case_id")
        .agg(pl.col(*ROW_SCHEMA, "in_scope").last())
        .filter(pl.col("in_scope"))
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
        cases.join(paid, on="case_id", how="left")
        .join(promised, on="case_id", how="left")
        .with_columns(pl.col("recovered").fill_null(0), pl.col("promised").fill_null(False))
        .with_columns((pl.col("recovered") > 0).alias("paid"))
        .select(*CASE_SCHEMA)
        .cast(CASE_SCHEMA)  # type: ignore[arg-type]
    )


def arm_sums(cases: pl.DataFrame, planned: pl.DataFrame, keys: tuple[str, ...]) -> list[dict[str, object]]:
    """Per value of `keys` (among strategy, currency and DIMENSIONS): cases, the sum and the sum of squares
    of what they paid, how many promised and paid, and the plan rows (each counted for what it counts
    for, those in the scope). Integers throughout: the squares are summed as Python integers, which do not
    overflow."""
    sums: dict[tuple[object, ...], dict[str, object]] = {}

    def row(key: tuple[object, ...]) -> dict[str, object]:
        return sums.setdefault(
            key,
            {
                **dict(zip(keys, key, strict=True)),
                "cases": 0,
                "plan_rows": 0,
                "collected": 0,
                "collected_squares": 0,
                "promised": 0,
                "paid": 0,
            },
        )

    for key, part in cases.partition_by(*keys, as_dict=True).items():
        values = [int(v) for v in part["recovered"].to_list()]
        row(key).update(
            cases=part.height,
            collected=sum(values),
            collected_squares=sum(v * v for v in values),
            promised=int(part["promised"].sum()),
            paid=int(part["paid"].sum()),
        )
    if planned.height:
        counted = planned.filter(pl.col("in_scope")).group_by(*keys).agg(pl.len().alias("n"))
        for group in counted.iter_rows(named=True):
            row(tuple(group[k] for k in keys))["plan_rows"] = int(group["n"])
    return [sums[key] for key in sorted(sums, key=lambda k: tuple(str(part) for part in k))]
