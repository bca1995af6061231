"""The `reports` job and `huikuan reports refresh`: the daily counters and month-end snapshots the reports
read (docs/reports.md), so that no report scans the raw history.

Each run (re)computes, from the raw records, every floor day since the day of its last run, yesterday and
today, and the days of payments received earlier but posted since its last run (an imported payment file
reports days past); a day recomputed replaces that day's rows, so running twice changes nothing. The
weeks of those days are then summed again from their days (report_weekly, which long periods read). The
champion-against-challenger figures of the calendar months of those days (and of payments reversed since
its last run) are recomputed whole, case by case (services/strategy_compare.py `keep_month`). It then
takes the snapshot of the last month-end passed if there is none yet (a snapshot is written once: it is
the accounts' state when the job first ran after the month ended). Last, it keeps the creditor portal's
figures at a glance whole (storage/portfolio_store.py: a few grouped rows per creditor, counted in SQL from
every account and posted payment; an account's balance and status change by payments, adjustments,
recalls and closures alike, so they are counted whole rather than patched).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from huikuan.domain.days import day_start, local_day
from huikuan.domain.reports import COUNTERS, period_start
from huikuan.errors import InvalidInput
from huikuan.services.clock import floor_today, floor_zone
from huikuan.services.strategy_compare import keep_month
from huikuan.storage import portfolio_store
from huikuan.storage import report_counts as rc
from huikuan.storage import tables as t
from huikuan.storage.report_store import has_month_end, replace_day, replace_hours, roll_week, take_month_end
from huikuan.storage.uow import UnitOfWork

JOB = "reports"
MAX_DAYS = 1000  # a refresh from further back is refused: recompute a long history in parts


def reports_job(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The periodic job: the days since its last run, yesterday and today; the last month-end."""
    return refresh(uow, now)


def refresh(uow: UnitOfWork, now: datetime, first: date | None = None) -> dict[str, int]:
    """Recomputes the days from `first` (default: the day of the job's last run, or yesterday if that is
    later) to today, plus the days of payments posted since the last run, and takes the month-end."""
    zone = floor_zone()
    today = floor_today(now)
    last_run = _last_run(uow)
    if first is None:
        first = today - timedelta(days=1)
        if last_run is not None:
            first = min(first, local_day(last_run, zone))
    if first > today or (today - first).days > MAX_DAYS:
        raise InvalidInput("Recompute at most {days} days back, and not after today", days=MAX_DAYS)
    days = {first + timedelta(days=n) for n in range((today - first).days + 1)}
    if last_run is not None:
        days |= _late_payment_days(uow, last_run, day_start(first, zone), zone)
    rows = 0
    for day in sorted(days):
        uow.begin_write()
        rows += compute_day(uow.session.connection(), day, zone)
        uow.commit()
    for week in sorted({period_start(day, "week") for day in days}):
        uow.begin_write()
        roll_week(uow.session.connection(), week)
        uow.commit()
    strategy_rows = 0
    for month in sorted(_months(uow, days, last_run, zone)):
        uow.begin_write()
        strategy_rows += keep_month(uow.session.connection(), month, today, zone)
        uow.commit()
    snapshots = 0
    end = today.replace(day=1) - timedelta(days=1)  # the last month-end passed
    uow.begin_write()
    conn = uow.session.connection()
    if not has_month_end(conn, end):
        snapshots = take_month_end(conn, end, day_start(end + timedelta(days=1), zone))
    uow.commit()
    uow.begin_write()
    portfolio_store.keep(uow.session.connection(), now)
    uow.commit()
    return {
        "days": len(days),
        "rows": rows,
        "strategy_rows": strategy_rows,
        "month_end_accounts": snapshots,
    }


def _last_run(uow: UnitOfWork) -> datetime | None:
    j = t.job_leases.c
    return uow.session.execute(select(j.last_run_at).where(j.name == JOB)).scalar_one_or_none()


def _months(uow: UnitOfWork, days: set[date], since: datetime | None, zone: str) -> set[date]:
    """The calendar months (first days) whose champion-against-challenger figures change: those of the
    days recomputed, and those of payments reversed since the last run (a payment that paid nothing)."""
    months = {day.replace(day=1) for day in days}
    if since is not None:
        p, r = t.payments.c, t.payment_reversals.c
        reversed_ = select(p.paid_at).join(t.payment_reversals, r.payment_id == p.id).where(r.at >= since)
        months |= {local_day(at, zone).replace(day=1) for at in uow.session.execute(reversed_).scalars()}
    return months


def _late_payment_days(uow: UnitOfWork, since: datetime, before: datetime, zone: str) -> set[date]:
    """The floor days, before `before`, of payments posted since `since` (a reversal counts on its own
    day, which is recent: its payment's day needs no recomputing)."""
    p = t.payments.c
    late = select(p.paid_at).where(p.posted_at >= since, p.paid_at < before)
    return {local_day(at, zone) for at in uow.session.execute(late).scalars()}


def compute_day(conn: Connection, day: date, zone: str) -> int:
    """One floor day's rows, from the raw records, replacing the day's: how many rows it has now."""
    start, end = day_start(day, zone), day_start(day + timedelta(days=1), zone)
    counted: list[rc.Counted] = [
        *rc.contacts(conn, start, end),
        *rc.promises(conn, start, end, day),
        *rc.payments(conn, start, end),
        *rc.case_events(conn, start, end, day),
        *rc.plan(conn, start, end, day),
    ]
    teams = {r.id: r.team_id for r in conn.execute(select(t.users.c.id, t.users.c.team_id))}
    by_rule: dict[tuple[int, int | None, str, str], int] = {}
    for refused_one, rules in rc.refusals(conn, start, end):
        counted.append(refused_one)
        for rule in rules:
            key = (refused_one.creditor_id, refused_one.user_id, refused_one.channel, rule)
            by_rule[key] = by_rule.get(key, 0) + 1
    rows = _merge(counted, teams)
    refused = [
        {
            "creditor_id": k[0],
            "team_id": teams.get(k[1]) if k[1] else None,
            "user_id": k[1],
            "channel": k[2],
            "rule": k[3],
            "refusals": n,
        }
        for k, n in sorted(by_rule.items(), key=lambda item: tuple(str(part) for part in item[0]))
    ]
    replace_day(conn, day, rows, refused)
    replace_hours(conn, day, rc.logged_in(conn, start, end))
    return len(rows)


def _merge(counted: Iterable[rc.Counted], teams: dict[int, int | None]) -> list[dict[str, Any]]:
    """One row per creditor, collector, channel, currency, product and segment, its counters added up."""
    merged: dict[tuple[int, int | None, str, str, str, str], dict[str, int]] = {}
    for c in counted:
        key = (c.creditor_id, c.user_id, c.channel, c.currency, c.product, c.segment)
        row = merged.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name, value in c.values.items():
            row[name] += value
    return [
        {
            "creditor_id": creditor_id,
            "team_id": teams.get(user_id) if user_id is not None else None,
            "user_id": user_id,
            "channel": channel,
            "currency": currency,
            "product": product,
            "segment": segment,
            **values,
        }
        for (creditor_id, user_id, channel, currency, product, segment), values in merged.items()
    ]
