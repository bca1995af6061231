"""call-frequency, post-conversation and daily-call-cap: how often a person may be called."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from typing import cast

from huikuan.compliance.clock import DAY, iso_date
from huikuan.compliance.context import SLACK, Context, Facts
from huikuan.compliance.rules.base import Block


def call_frequency(ctx: Context, t: int) -> Block | None:
    if not ctx.is_call:
        return None
    s = ctx.s
    window, most = s.window_days, s.max_calls
    facts = ctx.facts()
    end: int | None = None
    if most:
        attempts = facts.attempts
        # Every call in the window is among these, so too few of them settles it without local dates.
        if len(attempts) - bisect_left(attempts, t - window * DAY - SLACK) < most:
            return None
        end = cast(int | None, facts.memo.get("call-frequency-end"))
        if end is None:
            end = _frequency_end(ctx, facts)
        if t >= end:
            return None
    if ctx.consented(t):
        return None
    if t != ctx.at:
        return Block("", end)
    if end is None:
        return Block("the creditor allows no calls", None)
    # Tell the zone whose reading of the dates blocks longest.
    clock, days = max(
        ((c, d) for c, d in zip(ctx.clocks, _counted_days(ctx, facts), strict=True) if len(d) >= most),
        key=lambda pair: pair[0].midnight(pair[1][most - 1] + window),
    )
    since = clock.day(t) - window + 1
    count = sum(1 for d in days if d >= since)
    return Block(
        f"{count} calls about debt {ctx.debt_id} since {iso_date(since)} reach the limit of {most} in "
        f"{window} consecutive days",
        end,
    )


def _frequency_end(ctx: Context, facts: Facts) -> int:
    """When the window stops holding max_calls counted calls in every zone's reading of the dates.

    With dates newest first, the window [D - window + 1, D] holds max_calls of them exactly while
    D < (the max_calls-th newest date) + window: the block ends at the local midnight that starts that date.
    """
    s = ctx.s
    end = 0
    for clock, days in zip(ctx.clocks, _counted_days(ctx, facts), strict=True):
        if len(days) >= s.max_calls:
            end = max(end, clock.midnight(days[s.max_calls - 1] + s.window_days))
    facts.memo["call-frequency-end"] = end
    return end


def _counted_days(ctx: Context, facts: Facts) -> list[list[int]]:
    """Per zone, the local dates of the counted calls (consented ones left out), newest first."""
    got = facts.memo.get("call-frequency-days")
    if got is None:
        calls = facts.attempts
        if facts.consent_ends:
            calls = [u for u in calls if not ctx.consented(u)]
        got = facts.memo["call-frequency-days"] = [
            sorted([c.day(u) for u in calls], reverse=True) for c in ctx.clocks
        ]
    return cast(list[list[int]], got)


def post_conversation(ctx: Context, t: int) -> Block | None:
    if not ctx.is_call:
        return None
    facts = ctx.facts()
    if not facts.conversations:
        return None
    period = cast(tuple[int, int] | None, facts.memo.get("post-conversation"))
    if period is None:
        period = facts.memo["post-conversation"] = _quiet_period(ctx, facts.conversations)
    conversation, end = period
    if t >= end or ctx.consented(t):
        return None
    if t != ctx.at:
        return Block("", end)
    message = cast(str | None, facts.memo.get("post-conversation-message"))
    if message is None:
        days = ctx.s.conversation_days
        clock = max(ctx.clocks, key=lambda c: c.midnight(c.day(conversation) + days))
        on, until_day = iso_date(clock.day(conversation)), iso_date(clock.day(end))
        message = facts.memo["post-conversation-message"] = (
            f"a conversation on {on} blocks calls until {until_day}"
        )
    return Block(message, end)


def _quiet_period(ctx: Context, conversations: list[int]) -> tuple[int, int]:
    """(conversation, end of its quiet period) for the period that ends last."""
    days = ctx.s.conversation_days
    conversation = end = 0
    # The newest conversation has the latest local date, but within a fall-back hour: a day of margin.
    for u in conversations:
        if u >= conversations[-1] - DAY:
            until = ctx.days_after(u, days, widest=True)
            if until > end:
                conversation, end = u, until
    return conversation, end


def daily_call_cap(ctx: Context, t: int) -> Block | None:
    cap = ctx.s.daily_cap
    if cap == 0 or not ctx.is_call:
        return None
    facts = ctx.facts()
    connected = facts.connected
    if len(connected) - bisect_left(connected, t - SLACK) < cap:
        return None
    per_zone = cast(list[Counter[int]] | None, facts.memo.get("daily-call-cap"))
    if per_zone is None:
        per_zone = facts.memo["daily-call-cap"] = [Counter(c.day(u) for u in connected) for c in ctx.clocks]
    lift = count = today = 0
    zone = ""
    for clock, per_day in zip(ctx.clocks, per_zone, strict=True):
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
