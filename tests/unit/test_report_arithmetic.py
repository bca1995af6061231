"""The reports' arithmetic (domain/reports.py): rates with the counts they come from, buckets of days past
due, periods, the roll-rate matrix, cures and the liquidation curves, worked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from huikuan.domain.reports import (
    COUNTERS,
    Rate,
    VintagePoint,
    add_counters,
    cures,
    dpd_bucket,
    logged_in_seconds,
    money,
    month_end,
    months_between,
    per_collector_hour,
    per_thousand,
    period_start,
    rates,
    roll_matrix,
    vintage_curves,
)


def test_a_rate_is_a_fraction_to_four_places_with_the_counts_it_comes_from() -> None:
    assert Rate(1, 3).to_dict() == {"value": "0.3333", "numerator": 1, "denominator": 3}
    assert Rate(2, 3).to_dict()["value"] == "0.6667"


def test_a_rate_over_nothing_has_no_value() -> None:
    assert Rate(0, 0).to_dict() == {"value": None, "numerator": 0, "denominator": 0}


def test_disputes_per_thousand_contacts() -> None:
    assert per_thousand(3, 400) == "7.50"
    assert per_thousand(1, 0) is None


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (90, "61-90"), (91, "91-180"), (361, "361+")],
)
def test_days_past_due_fall_in_their_bucket(days: int, bucket: str) -> None:
    assert dpd_bucket(days) == bucket


def test_a_day_belongs_to_its_week_from_monday_and_to_its_month() -> None:
    sunday = date(2026, 11, 22)
    assert period_start(sunday, "day") == sunday
    assert period_start(sunday, "week") == date(2026, 11, 16)
    assert period_start(sunday, "month") == date(2026, 11, 1)
    assert month_end(date(2028, 2, 3)) == date(2028, 2, 29)
    assert months_between(date(2026, 8, 1), date(2027, 1, 31)) == 5


def test_counters_add_up_and_give_the_rates_and_money_per_contact() -> None:
    day = dict.fromkeys(COUNTERS, 0) | {"attempts": 10, "contacts": 4, "rpcs": 3, "conversations": 4}
    other = {"attempts": 10, "contacts": 1, "promises_made": 2, "promises_kept": 1, "promises_broken": 1}
    total = add_counters([day, other, {"collected": 1_000, "reversed": 1}])
    assert total["attempts"] == 20 and total["promises_made"] == 2
    r = {name: rate.to_dict()["value"] for name, rate in rates(total).items()}
    assert r == {
        "contact_rate": "0.2500",
        "right_party_contact_rate": "0.1500",
        "promise_rate": "0.5000",
        "promise_kept_rate": "0.5000",
        "plan_adherence": None,
    }
    assert money(total)["net_collected"] == 999
    assert money(total)["net_collected_per_contact"] == 199  # 999 / 5, rounded down: never a float


def test_the_roll_matrix_gives_each_buckets_shares_and_cures_are_counted_back_to_current() -> None:
    pairs = [("1-30", "31-60", 3), ("1-30", "current", 1), ("1-30", "closed", 1), ("31-60", "61-90", 2)]
    matrix = roll_matrix(pairs)
    assert list(matrix) == ["1-30", "31-60"]
    assert matrix["1-30"]["accounts"] == 5
    assert list(matrix["1-30"]["to"]) == ["current", "31-60", "closed"]
    assert matrix["1-30"]["to"]["31-60"] == {"value": "0.6000", "numerator": 3, "denominator": 5}
    assert matrix["31-60"]["to"]["61-90"]["value"] == "1.0000"
    assert cures(pairs) == 1


def test_a_vintage_curve_runs_by_months_since_placement() -> None:
    aug = date(2026, 8, 1)
    points = [
        VintagePoint(aug, date(2026, 9, 30), "CNY", 2, 1_000, 100),
        VintagePoint(aug, date(2026, 8, 31), "CNY", 2, 1_000, 0),
        VintagePoint(date(2026, 9, 1), date(2026, 9, 30), "CNY", 1, 500, 50),
    ]
    curves = vintage_curves(points)
    assert [c["placed_month"] for c in curves] == ["2026-08", "2026-09"]
    first = curves[0]["points"]
    assert [p["months_since_placement"] for p in first] == [0, 1]
    assert first[1]["liquidation"] == {"value": "0.1000", "numerator": 100, "denominator": 1_000}


def test_logged_in_time_counts_each_second_once_within_the_window() -> None:
    day = datetime(2026, 11, 3, tzinfo=UTC)

    def h(hour: float) -> datetime:
        return day + timedelta(hours=hour)

    window = (h(0), h(24))
    assert logged_in_seconds([], *window) == 0
    assert logged_in_seconds([(h(9), h(11)), (h(10), h(12))], *window) == 3 * 3600  # two windows at once
    assert logged_in_seconds([(h(9), h(17)), (h(10), h(11))], *window) == 8 * 3600  # one inside another
    assert logged_in_seconds([(h(9), h(10)), (h(10), h(11)), (h(13), h(14))], *window) == 3 * 3600
    assert logged_in_seconds([(h(-2), h(1)), (h(23), h(26))], *window) == 2 * 3600  # clipped to the day
    assert logged_in_seconds([(h(-5), h(-1)), (h(25), h(26))], *window) == 0


def test_figures_per_collector_hour_round_money_down_and_need_an_hour() -> None:
    got = per_collector_hour(5400, 7, {"CNY": 100_000, "USD": -1}, {"CNY": 4_500})
    assert got == {
        "hours": "1.50",
        "contacts_per_hour": "4.67",
        "net_collected_per_hour": [
            {"currency": "CNY", "amount_minor": 66_666},
            {"currency": "USD", "amount_minor": -1},
        ],
        "cost_per_hour": [{"currency": "CNY", "amount_minor": 3_000}],
    }
    assert per_collector_hour(0, 7, {"CNY": 1}, {})["contacts_per_hour"] is None
