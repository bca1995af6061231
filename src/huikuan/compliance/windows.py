"""Daily local-time windows over a set of plausible zones, cached per zone set for the whole portfolio."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache

from huikuan.compliance.clock import DAY, Interval, ZoneClock, intersect, merge, zone_clock

HORIZON = 400 * DAY

# Spans are anchored on every seventh day and reach a day either side of their week, so every lookup
# within a week hits the same cached span and an interval is cut at a span edge only outside that week.
_SPAN_STEP = 7
_SPAN_BEFORE = DAY
_SPAN_AFTER = (_SPAN_STEP + 1) * DAY


def _anchor(t: int) -> int:
    return t // DAY // _SPAN_STEP * _SPAN_STEP


class _Spans:
    __slots__ = ("clocks", "spans", "_cache")

    def __init__(self, zones: tuple[str, ...], spans: tuple[tuple[int, ...], ...]) -> None:
        self.clocks: tuple[ZoneClock, ...] = tuple(zone_clock(z) for z in zones)
        self.spans = spans
        self._cache: dict[int, tuple[list[int], list[int], int]] = {}

    def _combine(self, per_zone: Sequence[list[Interval]]) -> list[Interval]:
        raise NotImplementedError

    def span(self, anchor: int) -> tuple[list[int], list[int], int]:
        got = self._cache.get(anchor)
        if got is None:
            lo, hi = anchor * DAY - _SPAN_BEFORE, anchor * DAY + _SPAN_AFTER
            ivs = self._combine([c.windows(self.spans, lo, hi) for c in self.clocks])
            got = ([a for a, _ in ivs], [b for _, b in ivs], hi)
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[anchor] = got
        return got


class AllowedHours(_Spans):
    """Instants whose local time is inside the window in every plausible zone."""

    __slots__ = ("_memo",)

    def __init__(self, zones: tuple[str, ...], spans: tuple[Interval, ...]) -> None:
        super().__init__(zones, spans)
        # A planner asks about the same few slots for a whole portfolio: remember the answers.
        self._memo: dict[int, int | None] = {}

    def _combine(self, per_zone: Sequence[list[Interval]]) -> list[Interval]:
        out = per_zone[0]
        for ivs in per_zone[1:]:
            out = intersect(out, ivs)
        return out

    def next_open(self, t: int, limit: int) -> int | None:
        """The first allowed instant at or after t, or None if there is none up to limit (<= t + HORIZON)."""
        memo = self._memo
        if t in memo:
            found = memo[t]
        else:
            if len(memo) > 65536:
                memo.clear()
            # Remembered for the widest limit any caller may give, then cut to this caller's.
            found = memo[t] = self._next_open(t, t + HORIZON)
        return found if found is not None and found <= limit else None

    def _next_open(self, t: int, limit: int) -> int | None:
        anchor = _anchor(t)
        while anchor * DAY <= limit:
            starts, ends, _ = self.span(anchor)
            i = bisect_right(ends, t)
            if i < len(starts):
                found = max(starts[i], t)
                return found if found <= limit else None
            anchor += _SPAN_STEP
        return None


class BlockedTimes(_Spans):
    """Instants whose local time is inside the window in any plausible zone."""

    def _combine(self, per_zone: Sequence[list[Interval]]) -> list[Interval]:
        return merge(iv for ivs in per_zone for iv in ivs)

    def free_from(self, t: int, limit: int) -> int | None:
        """The first instant at or after t that is not blocked (t itself if t is not); None past limit."""
        while t <= limit:
            starts, ends, hi = self.span(_anchor(t))
            i = bisect_right(starts, t) - 1
            if i < 0 or ends[i] <= t:
                return t
            if ends[i] < hi:
                return ends[i]
            t = ends[i]
        return None


@lru_cache(maxsize=4096)
def allowed_hours(zones: tuple[str, ...], start: int, end: int) -> AllowedHours:
    """Local times start..end inclusive (whole seconds) in every zone."""
    return AllowedHours(zones, ((start, end + 1),))


@lru_cache(maxsize=4096)
def blocked_times(zones: tuple[str, ...], spans: tuple[tuple[int, int, int], ...]) -> BlockedTimes:
    """Local times in any [start, end) span, a span with end <= start running past midnight; the third
    item is the bit mask of ISO weekdays on which the span starts (0: every day)."""
    every: list[Interval] = []
    weekly: list[tuple[int, int, int]] = []
    for s, e, days in spans:
        parts = [(s, e, days)] if s < e else [(s, DAY, days), (0, e, _next_days(days))]
        for a, b, mask in parts:
            if a >= b:
                continue
            if mask:
                weekly.append((a, b, mask))
            else:
                every.append((a, b))
    merged: list[tuple[int, ...]] = [*merge(every), *sorted(set(weekly))]
    return BlockedTimes(zones, tuple(merged))


def _next_days(mask: int) -> int:
    """The weekdays following those of `mask` (Sunday is followed by Monday)."""
    return sum(1 << (d % 7 + 1) for d in range(1, 8) if mask >> d & 1)
