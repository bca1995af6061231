"""The limitation date of each pack and the cn interest cap, computed from the pack's parameters."""

from __future__ import annotations

from datetime import date

from huikuan.channels.validation import assumed_receipt, validation_period_end
from huikuan.compliance import load_pack
from huikuan.compliance.limitation import (
    DebtDates,
    excess_interest,
    interest_cap_bp,
    limitation_date,
    time_barred,
)


def test_us_limitation_is_the_states_period_from_the_day_the_account_fell_overdue():
    us = load_pack("us-reg-f")
    assert limitation_date(us, DebtDates(overdue_since=date(2020, 5, 1), state="CA")) == date(2024, 5, 1)
    assert limitation_date(us, DebtDates(overdue_since=date(2020, 5, 1), state="il")) == date(2030, 5, 1)


def test_us_limitation_with_an_unknown_state_is_the_shortest_period_and_a_payment_does_not_restart_it():
    us = load_pack("us-reg-f")
    dates = DebtDates(overdue_since=date(2020, 5, 1), payments=(date(2022, 1, 1),))
    assert limitation_date(us, dates) == date(2023, 5, 1)


def test_us_limitation_falls_back_on_the_charge_off_date_and_is_none_without_any_date():
    us = load_pack("us-reg-f")
    assert limitation_date(us, DebtDates(charge_off_date=date(2021, 2, 1), state="TX")) == date(2025, 2, 1)
    assert limitation_date(us, DebtDates(state="TX")) is None


def test_cn_limitation_is_three_years_restarted_by_every_demand_made_before_it_ran_out():
    cn = load_pack("cn")
    start = DebtDates(overdue_since=date(2020, 1, 10))
    assert limitation_date(cn, start) == date(2023, 1, 10)
    demanded = DebtDates(overdue_since=date(2020, 1, 10), demands=(date(2021, 6, 1), date(2022, 12, 1)))
    assert limitation_date(cn, demanded) == date(2025, 12, 1)
    late = DebtDates(overdue_since=date(2020, 1, 10), demands=(date(2023, 2, 1),))
    assert limitation_date(cn, late) == date(2023, 1, 10)  # a barred debt is not revived by a demand


def test_uk_limitation_is_six_years_restarted_by_a_part_payment_or_a_written_acknowledgment():
    uk = load_pack("uk-conc")
    assert limitation_date(uk, DebtDates(overdue_since=date(2016, 2, 29))) == date(2022, 2, 28)
    paid = DebtDates(overdue_since=date(2016, 3, 1), payments=(date(2019, 4, 2),))
    assert limitation_date(uk, paid) == date(2025, 4, 2)
    acknowledged = DebtDates(overdue_since=date(2016, 3, 1), acknowledgments=(date(2020, 7, 7),))
    assert limitation_date(uk, acknowledged) == date(2026, 7, 7)
    assert limitation_date(
        uk, DebtDates(overdue_since=date(2016, 3, 1), demands=(date(2020, 7, 7),))
    ) == date(2022, 3, 1)


def test_a_debt_is_time_barred_from_its_limitation_date_on():
    assert not time_barred(date(2024, 1, 1), date(2023, 12, 31))
    assert time_barred(date(2024, 1, 1), date(2024, 1, 1))
    assert not time_barred(None, date(2030, 1, 1))


def test_the_cn_interest_cap_is_four_times_the_lpr_at_the_contracts_date():
    cn = load_pack("cn")
    assert interest_cap_bp(cn, date(2021, 6, 1)) == 4 * 385
    assert interest_cap_bp(cn, date(2025, 6, 1)) == 4 * 300
    assert interest_cap_bp(cn, date(2018, 1, 1)) == 4 * 425  # before the table: its earliest rate
    assert interest_cap_bp(cn, None) == 4 * 300  # unknown: the lowest, the protective reading


def test_interest_charged_above_the_cap_is_scaled_down_to_the_lawful_rate_and_other_packs_have_no_cap():
    cn = load_pack("cn")
    # 24% a year on a contract of 2025-06 (cap 12%): half the interest is above the cap.
    assert excess_interest(cn, 10_000, 2_400, date(2025, 6, 1)) == 5_000
    assert excess_interest(cn, 10_000, 1_200, date(2025, 6, 1)) == 0
    assert excess_interest(cn, 10_000, None, date(2025, 6, 1)) == 0
    assert excess_interest(load_pack("us-reg-f"), 10_000, 9_900, None) == 0


def test_the_validation_period_ends_30_days_after_receipt_assumed_5_business_days_after_mailing():
    # Mailed Friday 2026-11-20: Mon 23, Tue 24, Wed 25, (Thanksgiving 26), Fri 27, Mon 30.
    assert assumed_receipt(date(2026, 11, 20)) == date(2026, 11, 30)
    assert validation_period_end(date(2026, 11, 20)) == date(2026, 12, 30)
