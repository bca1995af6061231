"""contact-hours and designated-inconvenient-time: when, in the person's local time, contact may happen."""

from __future__ import annotations

from functools import lru_cache

from huikuan.compliance.clock import DAY, hhmm, local_hhmm
from huikuan.compliance.context import Context
from huikuan.compliance.model import InconvenientTime, Role
from huikuan.compliance.rules.base import Block
from huikuan.compliance.windows import AllowedHours, BlockedTimes, allowed_hours, blocked_times
from huikuan.domain.enums import Direction


def contact_hours(ctx: Context, t: int) -> Block | None:
    s = ctx.s
    hours = allowed_hours(ctx.zones, s.hours_start, s.hours_end)
    found = hours.next_open(t, ctx.limit)
    if found == t:
        return None
    return Block(_outside(hours, t, found is None) if t == ctx.at else "", found)


@lru_cache(maxsize=16384)
def _outside(hours: AllowedHours, t: int, never: bool) -> str:
    """The message for instant t (a whole portfolio is often asked about the same few instants)."""
    start, end = hours.spans[0][0], hours.spans[0][1] - 1
    window = f"{hhmm(start)}-{hhmm(end)}"
    if never:
        zones = ", ".join(c.name for c in hours.clocks)
        return f"no time is within {window} local time in every plausible zone ({zones})"
    outside = ", ".join(
        f"{local_hhmm(c, t)} in {c.name}" for c in hours.clocks if not start <= (t + c.offset(t)) % DAY <= end
    )
    return f"outside {window} local time ({outside})"


def designated_inconvenient_time(ctx: Context, t: int) -> Block | None:
    # The designation is the debtor's own; it says nothing about when a third party may be reached.
    times = ctx.request.debtor.inconvenient_times
    if not times or ctx.request.party.role is not Role.DEBTOR:
        return None
    blocked = blocked_times(ctx.zones, _spans(times))
    end = blocked.free_from(t, ctx.limit)
    if end == t:
        return None
    if _reply_allowed(ctx, blocked, t):
        return None
    if t != ctx.at:
        return Block("", end)
    return Block(f"the debtor designated {_spans_text(times)} local time as inconvenient", end)


_DAY_NAMES = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=4096)
def _spans(times: tuple[InconvenientTime, ...]) -> tuple[tuple[int, int, int], ...]:
    """(start, end, ISO weekday bit mask) in seconds of day; a mask of 0 is every day."""
    return tuple(
        (
            x.start.hour * 3600 + x.start.minute * 60 + x.start.second,
            x.end.hour * 3600 + x.end.minute * 60 + x.end.second,
            sum(1 << d for d in x.days),
        )
        for x in times
    )


def _spans_text(times: tuple[InconvenientTime, ...]) -> str:
    parts = []
    for x in times:
        hours = f"{x.start.strftime('%H:%M')}-{x.end.strftime('%H:%M')}"
        if x.days and len(x.days) < 7:
            hours = f"{','.join(_DAY_NAMES[d] for d in sorted(x.days))} {hours}"
        parts.append(hours)
    return ", ".join(parts)


def _reply_allowed(ctx: Context, blocked: BlockedTimes, t: int) -> bool:
    """One reply, in the same medium, to a contact the person started in the inconvenient time holding t."""
    channel = ctx.request.channel
    last_in = max(
        (e.ts for e in ctx.events() if e.direction is Direction.INBOUND and e.channel is channel),
        default=None,
    )
    if last_in is None or any(e.direction is Direction.OUTBOUND and e.ts >= last_in for e in ctx.events()):
        return False
    # The same stretch of inconvenient time: blocked without a break from their contact until past t.
    free = blocked.free_from(last_in, ctx.limit)
    return free is None or free > t
