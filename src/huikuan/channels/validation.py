"""The dates of a US validation notice (12 CFR 1006.34), pure.

The validation period ends 30 days after the consumer receives the notice (1006.34(b)(5)); a collector may
assume receipt at the end of five days after sending that exclude Saturdays, Sundays and the legal public
holidays of 5 U.S.C. 6103(a). Huikuan counts from the letter's date and never gives less than 35 days.
"""

from __future__ import annotations

from datetime import date, timedelta

RECEIPT_BUSINESS_DAYS = 5
VALIDATION_DAYS = 30
MINIMUM_DAYS = 35


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday 0) of a month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """A fixed-date holiday on a Saturday is observed on the Friday before, on a Sunday the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def federal_holidays(year: int) -> set[date]:
    """The legal public holidays of 5 U.S.C. 6103(a) in a year, as observed."""
    fixed = [(1, 1), (6, 19), (7, 4), (11, 11), (12, 25)]
    days = {_observed(date(year, month, day)) for month, day in fixed}
    days |= {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr.'s birthday
        _nth_weekday(year, 2, 0, 3),  # Washington's birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
    }
    # New Year's Day of the next year, when a Saturday, is observed on 31 December.
    next_new_year = _observed(date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.add(next_new_year)
    return {day for day in days if day.year == year}


def assumed_receipt(sent: date) -> date:
    day, counted = sent, 0
    while counted < RECEIPT_BUSINESS_DAYS:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in federal_holidays(day.year):
            counted += 1
    return day


def validation_period_end(sent: date) -> date:
    """The last day on which the consumer may dispute or ask for the original creditor."""
    return max(assumed_receipt(sent) + timedelta(days=VALIDATION_DAYS), sent + timedelta(days=MINIMUM_DAYS))
