"""call-frequency, post-conversation and daily-call-cap: how often a person may be called."""

from __future__ import annotations

from huikuan.compliance.clock import iso_date
from huikuan.compliance.context import Context
from huikuan.compliance.rules.base import Block


def call_frequency(ctx: Context, t: int) -> Block | None:
    if not ctx.request.is_call or ctx.consented(t):
        return None
    s = ctx.s
    if s.max_calls == 0:
        return Block("the creditor allows no calls", None)
    lift = 0
    shown = ""
    for clock, days in zip(ctx.clocks, ctx.counted_call_days(), strict=True):
        if len(days) < s.max_calls:
            continue
        today = clock.day(t)
        # days is newest first: the max_calls-th newest call leaving the window ends the block.
        kth = days[s.max_calls - 1]
        if kth > today - s.window_days:
            since = today - s.window_days + 1
            count = sum(1 for d in days if d >= since)
            until = clock.midnight(kth + s.window_days)
            if until > lift:
                lift = until
                shown = (
                    f"{count} calls about debt {ctx.debt_id} since {iso_date(since)} reach the limit of "
                    f"{s.max_calls} in {s.window_days} consecutive days"
                )
    return Block(shown, lift) if lift else None


def post_conversation(ctx: Context, t: int) -> Block | None:
    if not ctx.request.is_call:
        return None
    conversation, end = ctx.conversation_block()
    if t >= end or ctx.consented(t):
        return None
    clock = max(ctx.clocks, key=lambda c: c.midnight(c.day(conversation) + ctx.s.conversation_days))
    on, until = iso_date(clock.day(conversation)), iso_date(clock.day(end))
    return Block(f"a conversation on {on} blocks calls until {until}", end)


def daily_call_cap(ctx: Context, t: int) -> Block | None:
    cap = ctx.s.daily_cap
    if cap == 0 or not ctx.request.is_call:
        return None
    lift = 0
    shown = ""
    for clock, days in zip(ctx.clocks, ctx.connected_call_days(), strict=True):
        if len(days) < cap:
            continue
        today = clock.day(t)
        count = days.count(today)
        if count >= cap:
            until = clock.midnight(today + 1)
            if until > lift:
                lift = until
                shown = (
                    f"{count} connected calls on {iso_date(today)} ({clock.name}) reach the daily cap of "
                    f"{cap}"
                )
    return Block(shown, lift) if lift else None
