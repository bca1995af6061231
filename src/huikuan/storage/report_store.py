"""The reports' tables read and written (storage/tables/reports.py): a day's rows replaced as a whole,
a month-end snapshot written once, and the sums a report asks for within a scope (`Scope`): creditors,
a team, a collector, a channel. A team or collector is the one a figure was counted for (see
storage/report_counts.py); on the month-end snapshots, the account's holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)

from huikuan.domain.reports import BUCKETS, CLOSED, COUNTERS, VintagePoint, period_start
from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_frame, read_frame

# What a report may be split by, and the column of report_daily that holds it.
SPLITS = {
    "creditor": "creditor_id",
    "team": "team_id",
    "collector": "user_id",
    "channel": "channel",
    "product": "product",
    "segment": "segment",
}


@dataclass(frozen=True)
class Scope:
    creditor_ids: tuple[int, ...] | None = None  # None: every creditor
    team_id: int | None = None
    user_id: int | None = None
    channel: str | None = None
    product: str | None = None
    segment: str | None = None  # "" : cases of no segment


def replace_day(
    conn: Connection, day: date, rows: Sequence[dict[str, Any]], refused: Sequence[dict[str, Any]]
) -> None:
    """The day's rows, replacing whatever the day had."""
    conn.execute(delete(t.report_daily).where(t.report_daily.c.day == day))
    conn.execute(delete(t.report_refusals).where(t.report_refusals.c.day == day))
    if rows:
        conn.execute(insert(t.report_daily), [{**row, "day": day} for row in rows])
    if refused:
        conn.execute(insert(t.report_refusals), [{**row, "day": day} for row in refused])


def replace_hours(conn: Connection, day: date, rows: Sequence[dict[str, Any]]) -> None:
    """The day's logged-in seconds per collector, replacing whatever the day had."""
    conn.execute(delete(t.report_hours).where(t.report_hours.c.day == day))
    if rows:
        conn.execute(insert(t.report_hours), [{**row, "day": day} for row in rows])


def hours_sum(conn: Connection, scope: Scope, first: date, last: date) -> int:
    """The logged-in seconds over days first..last of the scope's collectors (its team, its collector;
    a collector's hour is not split among creditors or channels)."""
    h = t.report_hours.c
    where = _scope(Scope(None, scope.team_id, scope.user_id), None, h.team_id, h.user_id, None)
    query = select(func.coalesce(func.sum(h.seconds), 0)).where(h.day >= first, h.day <= last, where)
    return int(conn.execute(query).scalar_one())


def has_month_end(conn: Connection, month_end: date) -> bool:
    m = t.account_month_ends.c
    return conn.execute(select(m.account_id).where(m.month_end == month_end).limit(1)).first() is not None


def take_month_end(conn: Connection, month_end: date, end: datetime) -> int:
    """Every account's state now, as the snapshot of `month_end` (whose last instant is before `end`):
    its balance, bucket, status and holder; placed: its balance plus all its posted payments paid off
    (whenever); collected: what those paid before `end` paid off."""
    a, c, al, pay = t.accounts.c, t.cases.c, t.payment_allocations.c, t.payments.c
    by_end = func.sum(case((pay.paid_at < end, al.amount), else_=0))
    taken = (
        select(al.account_id, func.sum(al.amount).label("taken"), by_end.label("by_end"))
        .select_from(t.payment_allocations.join(t.payments, pay.id == al.payment_id))
        .where(pay.status == "posted")
        .group_by(al.account_id)
        .subquery()
    )
    query = select(
        a.id,
        a.creditor_id,
        c.assigned_user_id,
        a.currency,
        a.product,
        c.segment,
        a.placed_on,
        func.coalesce(taken.c.by_end, 0),
        func.coalesce(taken.c.taken, 0),
        a.balance,
        a.overdue_since,
        a.status,
    ).select_from(
        t.accounts.outerjoin(t.cases, c.id == a.case_id).outerjoin(taken, taken.c.account_id == a.id)
    )
    schema = {
        "account_id": pl.Int64,
        "creditor_id": pl.Int64,
        "holder_id": pl.Int64,
        "currency": pl.Utf8,
        "product": pl.Utf8,
        "segment": pl.Utf8,
        "placed_on": pl.Date,
        "collected": pl.Int64,
        "taken": pl.Int64,
        "balance": pl.Int64,
        "overdue_since": pl.Date,
        "status": pl.Utf8,
    }
    frame = read_frame(conn, query, schema)
    days = (pl.lit(month_end) - pl.col("overdue_since")).dt.total_days()
    overdue = pl.when((pl.col("balance") > 0) & pl.col("overdue_since").is_not_null()).then(days).otherwise(0)
    bucket: Any = pl.lit(BUCKETS[0][0])
    for name, first in BUCKETS[1:]:
        bucket = pl.when(pl.col("dpd") >= first).then(pl.lit(name)).otherwise(bucket)
    frame = (
        frame.with_columns(overdue.alias("dpd"))
        .with_columns(
            bucket.alias("dpd_bucket"),
            pl.lit(month_end).alias("month_end"),
            pl.col("placed_on").dt.month_start().alias("placed_month"),
            (pl.col("balance") + pl.col("taken")).alias("placed"),
        )
        .drop("dpd", "placed_on", "overdue_since", "taken")
    )
    return insert_frame(conn, t.account_month_ends, frame)


def _counters_scope(scope: Scope, r: Any) -> ColumnElement[bool]:
    parts = _scope(scope, r.creditor_id, r.team_id, r.user_id, r.channel)
    if scope.product is not None:
        parts = and_(parts, r.product == scope.product)
    if scope.segment is not None:
        parts = and_(parts, r.segment == scope.segment)
    return parts


def _scope(scope: Scope, creditor: Any, team: Any, user: Any, channel: Any) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if scope.creditor_ids is not None:
        parts.append(creditor.in_(scope.creditor_ids))
    if scope.team_id is not None:
        parts.append(team == scope.team_id)
    if scope.user_id is not None:
        parts.append(user == scope.user_id)
    if scope.channel is not None and channel is not None:
        parts.append(channel == scope.channel)
    return and_(true(), *parts)


def roll_week(conn: Connection, week: date) -> int:
    """The week's (its Monday's) rows of report_weekly, summed again from its days in report_daily."""
    r, w = t.report_daily.c, t.report_weekly.c
    conn.execute(delete(t.report_weekly).where(w.week == week))
    keys = [r.creditor_id, r.team_id, r.user_id, r.channel, r.currency, r.product, r.segment]
    summed = (
        select(literal(week, Date).label("week"), *keys, *(func.sum(getattr(r, n)) for n in COUNTERS))
        .where(r.day >= week, r.day <= week + timedelta(days=6))
        .group_by(*keys)
    )
    names = ["week", *(k.name for k in keys), *COUNTERS]
    return conn.execute(insert(t.report_weekly).from_select(names, summed)).rowcount or 0


def daily_sums(
    conn: Connection, scope: Scope, first: date, last: date, split: str | None, by_day: bool = True
) -> list[dict[str, Any]]:
    """The counters summed by day (or, `by_day=False`, over the whole period: the rows' day is None),
    currency and (if asked) one split, over days first..last."""
    return period_sums(conn, scope, first, last, split, "day" if by_day else None)


def period_sums(
    conn: Connection, scope: Scope, first: date, last: date, split: str | None, period: str | None
) -> list[dict[str, Any]]:
    """The counters summed by period (`day`, `week` or `month`: the row's day is the period's first day,
    as domain/reports.py `period_start` gives it; None: over the whole period, day None), currency and
    (if asked) one split, over days first..last."""
    weeks = [] if period == "day" else whole_weeks(first, last, by_month=period == "month")
    summed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in kept_sums(conn, scope, first, last, split, weeks):
        label = period_start(row["day"], period) if period is not None else None
        into = summed.setdefault(
            (label, row["currency"], row["key"]),
            {"day": label, "currency": row["currency"], "key": row["key"], **dict.fromkeys(COUNTERS, 0)},
        )
        for name in COUNTERS:
            into[name] += row[name]
    return list(summed.values())


def kept_sums(
    conn: Connection, scope: Scope, first: date, last: date, split: str | None, weeks: Sequence[date]
) -> list[dict[str, Any]]:
    """The counters over days first..last as kept, summed by currency and (if asked) one split: the
    `weeks` (Mondays of whole weeks within the days) from report_weekly, the row's day their Monday;
    every other day from report_daily, by day."""
    queries = []
    if weeks:
        queries.append(_sums(t.report_weekly, "week", t.report_weekly.c.week.in_(weeks), scope, split))
    runs = _days_left(first, last, weeks)
    if runs:
        days = or_(*(t.report_daily.c.day.between(a, b) for a, b in runs))
        queries.append(_sums(t.report_daily, "day", days, scope, split))
    return [
        {
            "day": row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day)),
            "currency": row.currency,
            "key": row.key,
            **{name: int(getattr(row, name) or 0) for name in COUNTERS},
        }
        for query in queries
        for row in conn.execute(query)
    ]


def _sums(table: Any, column: str, where: Any, scope: Scope, split: str | None) -> Any:
    r = table.c
    key = getattr(r, SPLITS[split]) if split else literal(None)
    label = getattr(r, column)
    sums = [func.sum(getattr(r, name)).label(name) for name in COUNTERS]
    return (
        select(label.label("day"), r.currency, key.label("key"), *sums)
        .where(where, _counters_scope(scope, r))
        .group_by(label, r.currency, key)
    )


def whole_weeks(first: date, last: date, by_month: bool = False) -> list[date]:
    """The Mondays of the weeks wholly within first..last (and, `by_month`, within one calendar month)."""
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    weeks = []
    while monday + timedelta(days=6) <= last:
        if not by_month or monday.month == (monday + timedelta(days=6)).month:
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _days_left(first: date, last: date, weeks: Sequence[date]) -> list[tuple[date, date]]:
    """The runs of days first..last outside the whole weeks, as (first, last) pairs."""
    runs: list[tuple[date, date]] = []
    start = first
    for monday in weeks:
        if start < monday:
            runs.append((start, monday - timedelta(days=1)))
        start = monday + timedelta(days=7)
    if start <= last:
        runs.append((start, last))
    return runs


def refusal_sums(conn: Connection, scope: Scope, first: date, last: date) -> dict[str, int]:
    """The gate's refusals by rule over days first..last."""
    r = t.report_refusals.c
    where = _scope(scope, r.creditor_id, r.team_id, r.user_id, r.channel)
    query = (
        select(r.rule, func.sum(r.refusals))
        .where(r.day >= first, r.day <= last, where)
        .group_by(r.rule)
        .order_by(r.rule)
    )
    return {rule: int(n) for rule, n in conn.execute(query)}


def _snapshot_scope(scope: Scope, m: Any) -> ColumnElement[bool]:
    team = None
    if scope.team_id is not None:
        team = select(t.users.c.id).where(t.users.c.team_id == scope.team_id)
    parts = _scope(
        Scope(scope.creditor_ids, None, scope.user_id, None), m.creditor_id, None, m.holder_id, None
    )
    if scope.product is not None:
        parts = and_(parts, m.product == scope.product)
    if scope.segment is not None:
        parts = and_(parts, func.coalesce(m.segment, "") == scope.segment)
    return and_(parts, m.holder_id.in_(team)) if team is not None else parts


def month_ends(conn: Connection, first: date, last: date) -> list[date]:
    """The month-ends with a snapshot, first..last."""
    m = t.account_month_ends.c
    query = (
        select(m.month_end).where(m.month_end >= first, m.month_end <= last).distinct().order_by(m.month_end)
    )
    return list(conn.execute(query).scalars())


def roll_pairs(conn: Connection, scope: Scope, earlier: date, later: date) -> list[tuple[str, str, int]]:
    """(bucket at `earlier`, bucket or `closed` at `later`, accounts) for the scope's accounts open with a
    balance at `earlier` (its scope as at `earlier`)."""
    before = t.account_month_ends.alias("before")
    after = t.account_month_ends.alias("after")
    b, f = before.c, after.c
    landing = case((and_(f.status == "open", f.balance > 0), f.dpd_bucket), else_=literal(CLOSED))
    query = (
        select(b.dpd_bucket, landing.label("landing"), func.count())
        .select_from(before.join(after, and_(f.account_id == b.account_id, f.month_end == later)))
        .where(b.month_end == earlier, b.status == "open", b.balance > 0, _snapshot_scope(scope, b))
        .group_by(b.dpd_bucket, landing)
    )
    return sorted((bucket, to, int(n)) for bucket, to, n in conn.execute(query))


def vintage_points(conn: Connection, scope: Scope, last: date) -> list[VintagePoint]:
    """Placed and collected by placement month, month-end (up to `last`) and currency."""
    m = t.account_month_ends.c
    query = (
        select(
            m.placed_month, m.month_end, m.currency, func.count(), func.sum(m.placed), func.sum(m.collected)
        )
        .where(m.month_end <= last, m.placed_month.is_not(None), _snapshot_scope(scope, m))
        .group_by(m.placed_month, m.month_end, m.currency)
    )
    return [
        VintagePoint(placed, end, currency, int(n), int(placed_sum), int(collected))
        for placed, end, currency, n, placed_sum, collected in conn.execute(query)
    ]
