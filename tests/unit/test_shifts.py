"""A user's shifts: checked and kept in one shape (services/shifts.py), shown in one short line."""

from __future__ import annotations

import pytest

from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services.shifts import parse_shifts
from huikuan.web.ui.people_forms import shift_text

WEEKDAYS = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}


def test_shifts_are_kept_with_their_days_sorted_once_each() -> None:
    assert parse_shifts([{"days": ["4", 0, 0], "start": "08:30", "end": "12:00"}]) == [
        {"days": [0, 4], "start": "08:30", "end": "12:00"}
    ]
    assert parse_shifts(None) == []


@pytest.mark.parametrize(
    "bad",
    [
        [{"days": [], "start": "09:00", "end": "10:00"}],
        [{"days": [7], "start": "09:00", "end": "10:00"}],
        [{"days": [True], "start": "09:00", "end": "10:00"}],
        [{"days": ["monday"], "start": "09:00", "end": "10:00"}],
        [{"days": [1], "start": "9", "end": "10:00"}],
        [{"days": [1], "start": "09:00", "end": "24:00"}],
        [{"days": [1], "start": "10:00", "end": "10:00"}],
        [WEEKDAYS] * 8,
        ["09:00-18:00"],
        "mornings",
    ],
)
def test_a_shift_that_is_not_one_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        parse_shifts(bad)


def test_a_shift_is_shown_with_its_runs_of_days() -> None:
    def en(msgid: str) -> str:
        return gettext(msgid, "en")

    def zh(msgid: str) -> str:
        return gettext(msgid, "zh_CN")

    assert shift_text(WEEKDAYS, en) == "Mon–Fri 09:00–18:00"
    assert shift_text({"days": [5, 6], "start": "22:00", "end": "06:00"}, en) == "Sat Sun 22:00–06:00"
    assert shift_text({"days": [0, 2, 3, 4, 6], "start": "09:00", "end": "12:00"}, en) == (
        "Mon Wed–Fri Sun 09:00–12:00"
    )
    assert shift_text(WEEKDAYS, zh) == "周一–周五 09:00–18:00"
