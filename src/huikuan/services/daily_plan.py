"""The daily-plan job: a floor never opens on an empty plan.

Once the floor's clock (HUIKUAN_TIME_ZONE) has passed HUIKUAN_PLAN_HOUR, a server that finds no plan for
the floor's today makes it, exactly as `huikuan plan` with no options does (`make_plan`, its default
strategy, every creditor). A plan already stored for the day, by this job, cron or a person, even for
some creditors only, is left alone: re-planning is a decision for a person (`huikuan plan` replaces it).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from huikuan.config import get_settings
from huikuan.domain.days import local_day
from huikuan.services.clock import floor_zone
from huikuan.services.plan import make_plan
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def plan_if_missing(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """Makes today's plan on the floor at `now` if it is past the plan hour and there is none yet;
    returns `{"planned": cases written}` (0 when nothing was to be done)."""
    zone = floor_zone()
    day = local_day(now, zone)
    if now.astimezone(ZoneInfo(zone)).hour < get_settings().plan_hour:
        return {"planned": 0}
    p = t.plan_rows.c
    if uow.session.execute(select(p.id).where(p.plan_date == day).limit(1)).first() is not None:
        return {"planned": 0}
    summary = make_plan(uow, day, now=now)
    return {"planned": int(summary["written"])}
