"""Champion against challenger over a report's scope and period (GET /api/v1/reports/kpis `strategies`,
the /reports dashboard; docs/reports.md): each strategy's cases planned in the period, the mean collected
per case and the shares that promised and paid, and each challenger's difference to the champion with a
95% interval (domain/comparison.py), per currency. The champion is the strategy with the most plan rows
in the period (a plan with a challenger gives it the smaller share of each day's cases).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from huikuan.domain.comparison import Arm, compare
from huikuan.domain.days import day_start
from huikuan.services.clock import floor_zone
from huikuan.storage.report_store import Scope
from huikuan.storage.strategy_counts import arm_cases, arm_sums


def strategies(conn: Connection, scope: Scope, first: date, last: date) -> list[dict[str, Any]]:
    """Per currency, the champion first then its challengers (an empty list: no plan in the period)."""
    zone = floor_zone()
    start, end = day_start(first, zone), day_start(last + timedelta(days=1), zone)
    by_currency: dict[str, dict[str, Arm]] = {}
    plan_rows: dict[str, dict[str, int]] = {}
    for row in arm_sums(arm_cases(conn, scope, first, last, start, end)):
        plan_rows.setdefault(str(row["currency"]), {})[str(row["strategy"])] = int(row["rows"])
        by_currency.setdefault(str(row["currency"]), {})[str(row["strategy"])] = Arm(
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
    """The strategy that planned the most rows in the period (the champion plans the larger share of
    each day); a tie goes to the first by name."""
    return min(rows, key=lambda name: (-rows[name], name))
