"""Cost per channel (domain/costs.py): the unit cost in force on a day, and cost, cost per contact and
collected per unit of cost from days of work, in integer minor units."""

from __future__ import annotations

from datetime import date

from huikuan.domain.costs import ChannelDay, UnitCost, channel_costs, cost_on

COSTS = [
    UnitCost("call", "CNY", date(2026, 10, 1), 150),  # 1.50 a call
    UnitCost("call", "CNY", date(2026, 11, 1), 200),  # 2.00 from November
    UnitCost("sms", "CNY", date(2026, 10, 1), 5),
]


def test_the_unit_cost_in_force_is_the_latest_set_on_or_before_the_day() -> None:
    assert cost_on(COSTS, "call", "CNY", date(2026, 9, 30)) is None
    assert cost_on(COSTS, "call", "CNY", date(2026, 10, 31)) == 150
    assert cost_on(COSTS, "call", "CNY", date(2026, 11, 1)) == 200
    assert cost_on(COSTS, "call", "HKD", date(2026, 11, 1)) is None


def test_each_days_attempts_cost_the_unit_cost_of_that_day() -> None:
    days = [
        ChannelDay(date(2026, 10, 31), "call", "CNY", attempts=10, contacts=4, net_collected=50_000),
        ChannelDay(date(2026, 11, 2), "call", "CNY", attempts=5, contacts=2, net_collected=0),
        ChannelDay(date(2026, 11, 2), "sms", "CNY", attempts=100, contacts=0, net_collected=1_000),
        ChannelDay(date(2026, 9, 30), "visit", "CNY", attempts=1, contacts=1, net_collected=0),
        ChannelDay(date(2026, 11, 2), "", "CNY", attempts=0, contacts=0, net_collected=7_000),
    ]
    call, sms, visit = channel_costs(days, COSTS)
    assert call == {
        "channel": "call",
        "currency": "CNY",
        "attempts": 15,
        "contacts": 6,
        "net_collected": 50_000,
        "cost": 10 * 150 + 5 * 200,
        "attempts_without_cost": 0,
        "cost_per_contact": 417,  # 2500 / 6, in whole minor units
        "collected_per_unit_cost": "20.00",  # 50000 / 2500
    }
    assert (sms["cost"], sms["cost_per_contact"], sms["collected_per_unit_cost"]) == (500, None, "2.00")
    assert (visit["cost"], visit["attempts_without_cost"], visit["collected_per_unit_cost"]) == (0, 1, None)
