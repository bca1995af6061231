"""The dates of a US validation notice (channels/validation.py, 12 CFR 1006.34(b)(5))."""

from __future__ import annotations

from datetime import date

from huikuan.channels.validation import assumed_receipt, federal_holidays, validation_period_end


def test_the_federal_holidays_of_2026_as_observed() -> None:
    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 5, 25),
        date(2026, 6, 19),
        date(2026, 7, 3),  # 4 July is a Saturday
        date(2026, 9, 7),
        date(2026, 10, 12),
        date(2026, 11, 11),
        date(2026, 11, 26),
        date(2026, 12, 25),
    ]


def test_receipt_is_five_business_days_later_not_counting_thanksgiving() -> None:
    # Sent Thursday 19 November 2026: Fri 20, Mon 23, Tue 24, Wed 25, (Thanksgiving 26), Fri 27.
    assert assumed_receipt(date(2026, 11, 19)) == date(2026, 11, 27)
    assert validation_period_end(date(2026, 11, 19)) == date(2026, 12, 27)


def test_the_period_is_never_shorter_than_thirty_five_days_from_the_letter() -> None:
    day = date(2026, 1, 1)
    while day < date(2027, 1, 1):
        end = validation_period_end(day)
        assert (end - day).days >= 35 and (end - assumed_receipt(day)).days == 30
        day = date.fromordinal(day.toordinal() + 1)
