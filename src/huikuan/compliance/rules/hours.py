"""contact-hours and designated-inconvenient-time: when, in the person's local time, contact may happen."""

from __future__ import annotations

from huikuan.compliance.clock import DAY, hhmm, local_hhmm
from huikuan.compliance.context import Context
from huikuan.compliance.model import Direction, Role
from huikuan.compliance.rules.base import Block
from huikuan.compliance.windows import allowed_hours, blocked_times


def contact_hours(ctx: Context, t: int) -> Block | None:
    s = ctx.s
    hours = allowed_hours(ctx.zones, s.hours_start, s.hours_end)
    found = hours.next_open(t, ctx.limit)
    if found == t:
        return None
    window = f"{hhmm(s.hours_start)}-{hhmm(s.hours_end)}"
    if found is None:
        return Block(
            f"no time is within {window} local time in every plausible zone ({', '.join(ctx.zones)})", None
        )
    outside = ", ".join(
        f"{local_hhmm(c, t)} in {c.name}"
        for c in ctx.clocks
        if not s.hours_start <= (t + c.offset(t)) % DAY <= s.hours_end
    )
    return Block(f"outside {window} local time ({outside})", found)


def designated_inconvenient_time(ctx: Context, t: int) -> Block | None:
    # The designation is the debtor's own; it says nothing about when a third party may be reached.
    times = ctx.request.debtor.inconvenient_times
    if not times or ctx.request.party.role is not Role.DEBTOR:
        return None
    spans = tuple(
        (
            x.start.hour * 3600 + x.start.minute * 60 + x.start.second,
            x.end.hour * 3600 + x.end.minute * 60 + x.end.second,
        )
        for x in times
    )
    stretch = blocked_times(ctx.zones, spans).stretch(t, ctx.limit)
    if stretch is None:
        return None
    start, end = stretch
    if _reply_allowed(ctx, start):
        return None
    spans_text = ", ".join(f"{x.start.strftime('%H:%M')}-{x.end.strftime('%H:%M')}" for x in times)
    return Block(f"the debtor designated {spans_text} local time as inconvenient", end)


def _reply_allowed(ctx: Context, stretch_start: int) -> bool:
    """One reply, in the same medium, to a contact the person started inside this inconvenient stretch."""
    channel = ctx.request.channel
    last_in = max(
        (e.ts for e in ctx.events if e.direction is Direction.INBOUND and e.channel is channel), default=None
    )
    if last_in is None or last_in < stretch_start:
        return False
    return not any(e.direction is Direction.OUTBOUND and e.ts >= last_in for e in ctx.events)
