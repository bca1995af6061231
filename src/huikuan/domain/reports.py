"""The reports' arithmetic (docs/reports.md), with no storage: the daily counters and what they add up
to, rates from counters, days-past-due buckets, the roll-rate matrix between two month-end snapshots and
the liquidation curves of placement months. Money is integer minor units throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

# The counters of one row of report_daily: counts, and amounts in minor units of the row's currency.
COUNTS = (
    "attempts",
    "contacts",
    "rpcs",
    "conversations",
    "promises_made",
    "promises_due",
    "promises_kept",
    "promises_partly_kept",
    "promises_broken",
    "payments",
    "paid_off",
    "disputes",
    "complaints",
    "planned",
    "planned_made",
    "refusals",
)
AMOUNTS = ("promised_amount", "kept_amount", "collected", "reversed")
COUNTERS = COUNTS + AMOUNTS

# Days-past-due buckets at a month-end, by their first day; `current`: nothing overdue.
BUCKETS = (
    ("current", 0),
    ("1-30", 1),
    ("31-60", 31),
    ("61-90", 61),
    ("91-180", 91),
    ("181-360", 181),
    ("361+", 361),
)
BUCKET_NAMES = tuple(name for name, _ in BUCKETS)
CLOSED = "closed"  # an account no longer open at the later month-end (paid, settled, recalled, ...)
RATE_PLACES = Decimal("0.0001")
PERIODS = ("day", "week", "month")


def dpd_bucket(days_past_due: int) -> str:
    """The bucket a number of days past due falls in."""
    name = BUCKET_NAMES[0]
    for bucket, first in BUCKETS:
        if days_past_due >= first:
            name = bucket
    return name


def period_start(day: date, period: str) -> date:
    """The first day of the day's period: itself, its week's Monday, or its month's first."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def month_end(day: date) -> date:
    """The last day of the day's month."""
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from `earlier`'s month to `later`'s (0: the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@dataclass(frozen=True)
class Rate:
    """A fraction with the counts it comes from; no value when nothing was counted below it."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(RATE_PLACES, ROUND_HALF_EVEN)

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        return {
            "value": None if value is None else str(value),
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def per_thousand(count: int, base: int) -> str | None:
    """`count` per 1,000 of `base`, to two places."""
    if base == 0:
        return None
    return str((Decimal(count) * 1000 / Decimal(base)).quantize(Decimal("0.01"), ROUND_HALF_EVEN))


def add_counters(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The counters summed over rows."""
    total = dict.fromkeys(COUNTERS, 0)
    for row in rows:
        for name in COUNTERS:
            total[name] += int(row.get(name) or 0)
    return total


def rates(c: Mapping[str, int]) -> dict[str, Rate]:
    """The rates of docs/reports.md from summed counters."""
    resolved = c["promises_kept"] + c["promises_partly_kept"] + c["promises_broken"]
    return {
        "contact_rate": Rate(c["contacts"], c["attempts"]),
        "right_party_contact_rate": Rate(c["rpcs"], c["attempts"]),
        "promise_rate": Rate(c["promises_made"], c["conversations"]),
        "promise_kept_rate": Rate(c["promises_kept"], resolved),
        "plan_adherence": Rate(c["planned_made"], c["planned"]),
    }


def money(c: Mapping[str, int]) -> dict[str, Any]:
    """The amounts of one currency and the money per contact (minor units, rounded down)."""
    net = c["collected"] - c["reversed"]
    return {
        "promised": c["promised_amount"],
        "kept": c["kept_amount"],
        "collected": c["collected"],
        "reversed": c["reversed"],
        "net_collected": net,
        "net_collected_per_contact": net // c["contacts"] if c["contacts"] else None,
    }


def roll_matrix(pairs: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, Any]]:
    """From (bucket at the earlier month-end, bucket or `closed` at the later one, accounts): for each
    earlier bucket, its accounts and the share of them in each later bucket."""
    counts: dict[str, dict[str, int]] = {}
    for before, after, n in pairs:
        counts.setdefault(before, {}).setdefault(after, 0)
        counts[before][after] += n
    matrix: dict[str, dict[str, Any]] = {}
    for before in (*BUCKET_NAMES, CLOSED):
        row = counts.get(before)
        if not row:
            continue
        total = sum(row.values())
        matrix[before] = {
            "accounts": total,
            "to": {after: Rate(n, total).to_dict() for after, n in sorted(row.items(), key=_bucket_order)},
        }
    return matrix


def _bucket_order(item: tuple[str, int]) -> int:
    order = (*BUCKET_NAMES, CLOSED)
    return order.index(item[0]) if item[0] in order else len(order)


def cures(pairs: Iterable[tuple[str, str, int]]) -> int:
    """Accounts overdue at the earlier month-end and current (still open, nothing overdue) at the later."""
    return sum(n for before, after, n in pairs if before != "current" and after == "current")


@dataclass(frozen=True)
class VintagePoint:
    placed_month: date  # the first day of the month the accounts were placed in
    month_end: date
    currency: str
    accounts: int
    placed: int  # minor units
    collected: int  # minor units, to that month-end


def vintage_curves(points: Iterable[VintagePoint]) -> list[dict[str, Any]]:
    """One curve per placement month and currency: liquidation (collected / placed) at each month-end,
    by months since placement (0: the month of placement)."""
    curves: dict[tuple[date, str], list[VintagePoint]] = {}
    for p in points:
        curves.setdefault((p.placed_month, p.currency), []).append(p)
    out = []
    for (placed_month, currency), items in sorted(curves.items()):
        items.sort(key=lambda p: p.month_end)
        out.append(
            {
                "placed_month": placed_month.strftime("%Y-%m"),
                "currency": currency,
                "points": [
                    {
                        "months_since_placement": months_between(placed_month, p.month_end),
                        "month_end": p.month_end.isoformat(),
                        "accounts": p.accounts,
                        "placed": p.placed,
                        "collected": p.collected,
                        "liquidation": Rate(p.collected, p.placed).to_dict(),
                    }
                    for p in items
                ],
            }
        )
    return out


def logged_in_seconds(spans: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    """The seconds of [start, end) covered by at least one of the spans (a user's sessions, each from its
    login to its last activity): two windows open at once count once."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in spans if a < end and b > start)
    total, reach = 0.0, start
    for a, b in clipped:
        if b > reach:
            total += (b - max(a, reach)).total_seconds()
            reach = b
    return int(total)


def per_collector_hour(
    seconds: int, contacts: int, net: Mapping[str, int], cost: Mapping[str, int]
) -> dict[str, Any]:
    """Collector-hours (logged in) and what each brought: contacts, net collected and cost per hour, the
    money per currency in minor units rounded down; None and empty lists when no hour was logged."""
    if not seconds:
        return {"hours": "0.00", "contacts_per_hour": None, "net_collected_per_hour": [], "cost_per_hour": []}
    hours = Decimal(seconds) / 3600
    cents = Decimal("0.01")

    def hourly(amounts: Mapping[str, int]) -> list[dict[str, Any]]:
        return [{"currency": c, "amount_minor": a * 3600 // seconds} for c, a in sorted(amounts.items())]

    return {
        "hours": str(hours.quantize(cents, rounding=ROUND_HALF_EVEN)),
        "contacts_per_hour": str((contacts / hours).quantize(cents, rounding=ROUND_HALF_EVEN)),
        "net_collected_per_hour": hourly(net),
        "cost_per_hour": hourly(cost),
    }
