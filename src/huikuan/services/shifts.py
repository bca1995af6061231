"""A user's shifts: when the user works, as kept on `users.shifts`.

A shift is {"days": [0..6] (0 Monday, Python's weekday), "start": "HH:MM", "end": "HH:MM"} in the floor's
zone; an end before the start runs past midnight. `parse_shifts` checks what a form, the API or the
command line gives and returns it in the one stored shape (days sorted, no repeats).
"""

from __future__ import annotations

from typing import Any

from huikuan.compliance.pack_params import parse_hhmm
from huikuan.errors import InvalidInput

MAX_SHIFTS = 7
DAYS = range(7)


def _time(value: Any) -> str:
    text = str(value or "").strip()
    if parse_hhmm(text) is None or len(text) != 5:
        raise InvalidInput("shifts: {value} is not a time of day (HH:MM)", value=text)
    return text


def _days(value: Any) -> list[int]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput("shifts: a shift needs at least one day")
    days = set()
    for day in value:
        try:
            number = int(day)
        except (TypeError, ValueError):
            raise InvalidInput("shifts: {value} is not a day (0 Monday to 6 Sunday)", value=day) from None
        if number not in DAYS or isinstance(day, bool):
            raise InvalidInput("shifts: {value} is not a day (0 Monday to 6 Sunday)", value=day)
        days.add(number)
    return sorted(days)


def parse_shifts(value: Any) -> list[dict[str, Any]]:
    """The shifts in their stored shape; InvalidInput names what is wrong."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InvalidInput("shifts: expected a list of shifts")
    if len(value) > MAX_SHIFTS:
        raise InvalidInput("shifts: at most {count} shifts", count=MAX_SHIFTS)
    shifts = []
    for shift in value:
        if not isinstance(shift, dict):
            raise InvalidInput("shifts: expected a list of shifts")
        start, end = _time(shift.get("start")), _time(shift.get("end"))
        if start == end:
            raise InvalidInput("shifts: a shift must end at another time than it starts")
        shifts.append({"days": _days(shift.get("days")), "start": start, "end": end})
    return shifts


__all__ = ["DAYS", "MAX_SHIFTS", "parse_shifts"]
