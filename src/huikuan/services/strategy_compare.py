"""Champion against challenger over a report's scope and period (GET /api/v1/reports/kpis `strategies`,
the /reports dashboard; docs/reports.md): each strategy's cases planned, the mean collected per case and
the shares that promised and paid, and each challenger's difference to the champion with a 95% interval
(domain/comparison.py), per currency. The champion is the strategy with the most plan rows (a plan with a
challenger gives it the smaller share of each day's cases).

A case counts once per calendar month, so the `reports` job keeps the figures by month (`keep_month`, from
the plan rows, payments and promises of the month read case by case) and a report reads the kept sums of
the whole months its period touches (`strategies`): a few rows, whatever the number of cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from huikuan.domain.comparison import Arm, compare
from huikuan.domain.days import day_start
from huikuan.domain.reports import month_end
from huikuan.storage import tables as t
from huikuan.storage.report_store import Scope
from huikuan.storage.strategy_counts import DIMENSIONS, arm_cases, arm_sums, planned_rows
from huikuan.storage.strategy_store import month_sums, replace_month

KEPT_BY = ("strategy", "currency", *DIMENSIONS)


def months_of(first: date, last: date) -> tuple[date, date]:
    """The first days of the first and the last calendar month a period touches."""
    return first.replace(day=1), last.replace(day=1)


def strategies(conn: Connection, scope: Scope, first: date, last: date) -> list[dict[str, Any]]:
    """Per currency, the champion first then its challengers, over the whole months of first..last as
    the `reports` job kept them (an empty list: no plan in those months)."""
    return figures(month_sums(conn, scope, *months_of(first, last)))


def figures(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The comparison from sums per strategy and currency (cases, plan_rows, collected,
    collected_squares, promised, paid): per currency, the champion first then the challengers by name."""
    by_currency: dict[str, dict[str, Arm]] = {}
    plan_rows: dict[str, dict[str, int]] = {}
    for row in rows:
        currency, strategy = str(row["currency"]), str(row["strategy"])
        plan_rows.setdefault(currency, {})[strategy] = int(row["plan_rows"])
        by_currency.setdefault(currency, {})[strategy] = Arm(
            int(row["cases"]),
            int(row["collected"]),
            int(row["collected_squares"]),
            int(row["promised"]),
            int(row["paid"]),
        )
    return [
        {**row, "currency": currency}
        for currency, arms in sorted(by_currency.items())
        for row in compare(arms, _champion(plan_rows[currency]))
    ]


def _champion(rows: dict[str, int]) -> str:
    """The strategy that planned the most rows (the champion plans the larger share of each day); a tie
    goes to the first by name."""
    return min(rows, key=lambda name: (-rows[name], name))


def case_rows(
    conn: Connection, scope: Scope, first: date, last: date, zone: str, keys: tuple[str, ...] = KEPT_BY
) -> list[dict[str, Any]]:
    """Per value of `keys` (default: strategy, currency, creditor, collector, segment and product): the
    figures of the scope's cases planned on days first..last (their payments and promises in the same
    floor days), read case by case from the raw records."""
    start, end = day_start(first, zone), day_start(last + timedelta(days=1), zone)
    planned = planned_rows(conn, scope, first, last)
    return arm_sums(arm_cases(conn, planned, first, last, start, end), planned, keys)


def keep_month(conn: Connection, month: date, today: date, zone: str) -> int:
    """Recomputes a calendar month's kept figures (`month`: its first day; up to today if it is this
    month) from the raw records, replacing the month's rows: how many rows it has now."""
    rows = case_rows(conn, Scope(), month, min(month_end(month), today), zone)
    teams = {r.id: r.team_id for r in conn.execute(select(t.users.c.id, t.users.c.team_id))}
    for row in rows:
        user = row["user_id"]
        row["team_id"] = teams.get(int(user)) if user is not None else None
    replace_month(conn, month, rows)
    return len(rows)
