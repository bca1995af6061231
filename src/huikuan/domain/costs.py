"""What the floor's work costs (docs/reports.md, "Cost per channel"), with no storage: the unit cost in
force on a day, and per channel the cost of its attempts, the cost per contact and what was collected per
unit of cost. Money is integer minor units; ratios are Decimal, rounded half-even.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from huikuan.domain.enums import Channel

# What a unit cost may be set for: an attempt on one of the channels.
COST_CHANNELS = tuple(c.value for c in Channel)
RATIO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class UnitCost:
    channel: str
    currency: str
    effective_from: date
    unit_cost_minor: int


@dataclass(frozen=True)
class ChannelDay:
    """One day's work on a channel in a currency: attempts, contacts and net collected (minor units)."""

    day: date
    channel: str
    currency: str
    attempts: int
    contacts: int
    net_collected: int


def cost_on(costs: Sequence[UnitCost], channel: str, currency: str, day: date) -> int | None:
    """The unit cost of the channel in force on the day: the latest set on or before it (None: none)."""
    chosen: UnitCost | None = None
    for cost in costs:
        if cost.channel != channel or cost.currency != currency or cost.effective_from > day:
            continue
        if chosen is None or cost.effective_from > chosen.effective_from:
            chosen = cost
    return None if chosen is None else chosen.unit_cost_minor


def _ratio(numerator: int, denominator: int) -> str | None:
    if denominator == 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, ROUND_HALF_EVEN))


def _per(numerator: int, denominator: int) -> int | None:
    """numerator / denominator in whole minor units, rounded half-even."""
    if denominator == 0:
        return None
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), ROUND_HALF_EVEN))


def channel_costs(days: Iterable[ChannelDay], costs: Sequence[UnitCost]) -> list[dict[str, Any]]:
    """Per channel and currency: attempts, contacts, net collected, cost (attempts of each day times the
    unit cost in force that day), cost per contact (whole minor units) and net collected per unit of cost
    (a ratio, two places). A day with no
    unit cost in force adds no cost and is counted in `attempts_without_cost`."""
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for d in days:
        if d.channel not in COST_CHANNELS:
            continue
        row = totals.setdefault(
            (d.channel, d.currency),
            {"attempts": 0, "contacts": 0, "net_collected": 0, "cost": 0, "attempts_without_cost": 0},
        )
        row["attempts"] += d.attempts
        row["contacts"] += d.contacts
        row["net_collected"] += d.net_collected
        unit = cost_on(costs, d.channel, d.currency, d.day)
        if unit is None:
            row["attempts_without_cost"] += d.attempts
        else:
            row["cost"] += d.attempts * unit
    return [
        {
            "channel": channel,
            "currency": currency,
            **row,
            "cost_per_contact": _per(row["cost"], row["contacts"]),
            "collected_per_unit_cost": _ratio(row["net_collected"], row["cost"]),
        }
        for (channel, currency), row in sorted(totals.items())
    ]


def by_channel(rows: Iterable[Mapping[str, Any]]) -> list[ChannelDay]:
    """ChannelDay rows from summed counters keyed by day, channel and currency."""
    return [
        ChannelDay(
            r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])),
            str(r["channel"]),
            str(r["currency"]),
            int(r["attempts"] or 0),
            int(r["contacts"] or 0),
            int(r["collected"] or 0) - int(r["reversed"] or 0),
        )
        for r in rows
    ]
