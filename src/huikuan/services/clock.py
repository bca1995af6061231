"""Today on the floor: the date in the floor's zone (HUIKUAN_TIME_ZONE), never the machine's.

The daily plan, the queues, days past due, promise dates and every default day of the command line are
dates of the floor, so that a server running on UTC plans and shows the Shanghai day that has begun.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from huikuan.config import get_settings
from huikuan.domain.days import local_day


def floor_zone() -> str:
    return get_settings().time_zone


def floor_today(now: datetime | None = None) -> date:
    """Today's date on the floor at `now` (default: this instant)."""
    return local_day(now or datetime.now(UTC), floor_zone())
