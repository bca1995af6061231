"""Calendar days of the floor: one definition of "days past due" and of a local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def local_day(instant: datetime, zone: str) -> date:
    """The calendar date at `instant` in `zone` (an IANA name)."""
    return instant.astimezone(ZoneInfo(zone)).date()


def day_start(day: date, zone: str) -> datetime:
    """The instant (UTC) a local calendar day begins in `zone`."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def days_past_due(overdue_since: date | str | None, today: date) -> int:
    """Whole days from the first unpaid due date to `today` (the floor's day); 0 when nothing is overdue."""
    if overdue_since is None:
        return 0
    since = date.fromisoformat(overdue_since) if isinstance(overdue_since, str) else overdue_since
    return max((today - since).days, 0)
