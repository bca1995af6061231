"""call-frequency, post-conversation and daily-call-cap: how often a person may be called."""

from __future__ import annotations

from collections import Counter
from typing import cast

from huikuan.compliance.clock import DAY, iso_date
from huikuan.compliance.context import SLACK, Context
from huikuan.compliance.rules.base import Block


def call_frequency(ctx: Context, t: int) -> Block | None:
    if not ctx.request.is_call:
        return None
    s = ctx.s
    window, most = s.window_days, s.max_calls
    # Every call in the window is among these, so too few of them settles it without local dates.
    if most and len(ctx.since(ctx.facts().attempts, t - window * DAY - SLACK)) < most:
        return None
    end = _frequency_end(ctx) if most else None
    if (end is not None and t >= end) or ctx.consented(t):
        return None
    if t != ctx.at:
        return Block("", end)
    if end is None:
        return Block("the creditor allows no calls", None)
    # Tell the zone whose reading of the dates blocks longest.
    clock, days = max(
        ((c, d) for c, d in zip(ctx.clocks, _counted_days(ctx), strict=True) if len(d) >= most),
        key=lambda pair: pair[0].midnight(pair[1][most - 1] + window),
    )
    since = clock.day(t) - window + 1
    count = sum(1 for d in days if d >= since)
    return Block(
        f"{count} calls about debt {ctx.debt_id} since {iso_date(since)} reach the limit of {most} in "
        f"{window} consecutive days",
        end,
    )


def _frequency_end(ctx: Context) -> int:
    """When the window stops holding max_calls counted calls in every zone's reading of the dates.

    With dates newest first, the window [D - window + 1, D] holds max_calls of them exactly while
    D < (the max_calls-th newest date) + window: the block ends at the local midnight that starts that date.
    """
    got = ctx.facts().memo.get("call-frequency-end")
    if got is None:
        s = ctx.s
        got = 0
        for clock, days in zip(ctx.clocks, _counted_days(ctx), strict=True):
            if len(days) >= s.max_calls:
                got = max(got, clock.midnight(days[s.max_calls - 1] + s.window_days))
        ctx.facts().memo["call-frequency-end"] = got
    return cast(int, got)


def _counted_days(ctx: Context) -> list[list[int]]:
    """Per zone, the local dates of the counted calls (consented ones left out), newest first."""
    got = ctx.facts().memo.get("call-frequency")
    if got is None:
        calls = ctx.facts().attempts
        if ctx.facts().consent_ends:
            calls = [u for u in calls if not ctx.consented(u)]
        got = ctx.facts().memo["call-frequency"] = [
            sorted([c.day(u) for u in calls], reverse=True) for c in ctx.clocks
        ]
    return cast(list[list[int]], got)


def post_conversation(ctx: Context, t: int) -> Block | None:
    if not ctx.request.is_call:
        return None
    conversation, end = _quiet_period(ctx)
    if t >= end or ctx.consented(t):
        return None
    if t != ctx.at:
        return Block("", end)
    days = ctx.s.conversation_days
    clock = max(ctx.clocks, key=lambda c: c.midnight(c.day(conversation) + days))
    on, until_day = iso_date(clock.day(conversation)), iso_date(clock.day(end))
    return Block(f"a conversation on {on} blocks calls until {until_day}", end)


def _quiet_period(ctx: Context) -> tuple[int, int]:
    """(conversation, end of its quiet period) for the period that ends last; (0, 0) if none."""
    got = ctx.facts().memo.get("post-conversation")
    if got is None:
        conversations = ctx.facts().conversations
        days = ctx.s.conversation_days
        conversation = end = 0
        # The newest conversation has the latest local date, but within a fall-back hour: a day of margin.
        for u in conversations:
            if u >= conversations[-1] - DAY:
                until = ctx.days_after(u, days, widest=True)
                if until > end:
                    conversation, end = u, until
        got = ctx.facts().memo["post-conversation"] = (conversation, end)
    return cast(tuple[int, int], got)


def daily_call_cap(ctx: Context, t: int) -> Block | None:
    cap = ctx.s.daily_cap
    if cap == 0 or not ctx.request.is_call:
        return None
    if len(ctx.since(ctx.facts().connected, t - SLACK)) < cap:
        return None
    lift = count = today = 0
    zone = ""
    for clock, per_day in zip(ctx.clocks, _connected_per_day(ctx), strict=True):
        day = clock.day(t)
        n = per_day[day]
        if n >= cap:
            until = clock.midnight(day + 1)
            if until > lift:
                lift, count, today, zone = until, n, day, clock.name
    if not lift:
        return None
    if t != ctx.at:
        return Block("", lift)
    return Block(f"{count} connected calls on {iso_date(today)} ({zone}) reach the daily cap of {cap}", lift)


def _connected_per_day(ctx: Context) -> list[Counter[int]]:
    got = ctx.facts().memo.get("daily-call-cap")
    if got is None:
        connected = ctx.facts().connected
        got = ctx.facts().memo["daily-call-cap"] = [Counter(c.day(u) for u in connected) for c in ctx.clocks]
    return cast(list[Counter[int]], got)
