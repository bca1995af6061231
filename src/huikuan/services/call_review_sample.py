"""The weekly sample of calls for quality review: the job `call-review-sample` (services/jobs.py) and the
one function it calls, `sample_week`.

Each run samples the last whole ISO week of the floor (HUIKUAN_TIME_ZONE): per collector, RANDOM_PER_WEEK
calls at random and RISK_PER_WEEK weighted by risk (domain/call_review.py; docs/quality-review.md), among
the answered calls the collector's seat took that week. A collector sampled for a week is never sampled
for it again, so running it twice (or every few hours, as the scheduler does) adds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from huikuan.domain.call_review import RANDOM_PER_WEEK, RISK_PER_WEEK, pick_week, previous_week, week_monday
from huikuan.domain.days import day_start
from huikuan.services.clock import floor_today, floor_zone
from huikuan.storage.call_samples import sampled_collectors, week_calls, write_picks
from huikuan.storage.uow import UnitOfWork


def sample_week(
    uow: UnitOfWork,
    week: str,
    *,
    now: datetime | None = None,
    random_n: int = RANDOM_PER_WEEK,
    risk_m: int = RISK_PER_WEEK,
    seed: str = "",
) -> int:
    """Draws the week's sample for every collector who has none yet; the number of calls added. Does not
    commit (the job's unit of work does)."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    monday = week_monday(week)
    zone = floor_zone()
    start, end = day_start(monday, zone), day_start(monday + timedelta(days=7), zone)
    conn = uow.session.connection()
    done = sampled_collectors(conn, week)
    calls = [c for c in week_calls(conn, start, end, at) if c.user_id not in done]
    picks = pick_week(calls, week, random_n=random_n, risk_m=risk_m, seed=seed)
    return write_picks(conn, week, picks, at)


def sample_calls(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The job: samples the last whole week of the floor."""
    return {"sampled": sample_week(uow, previous_week(floor_today(now)), now=now)}
