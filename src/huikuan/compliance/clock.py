"""Local wall-clock arithmetic on whole epoch seconds, exact across daylight-saving transitions."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

DAY = 86_400
_YEAR = 366 * DAY
# No zone has had two offset changes within six hours, so probing at this step finds every transition.
_PROBE = 6 * 3600
_EPOCH_DAY = date(1970, 1, 1).toordinal()

Interval = tuple[int, int]


class ZoneClock:
    """A zone's UTC offset as sorted segments, grown a year at a time as instants are asked about."""

    __slots__ = ("name", "_zone", "_starts", "_offsets", "_lo", "_hi", "_midnights")

    def __init__(self, name: str) -> None:
        self.name = name
        self._zone = ZoneInfo(name)
        self._starts: list[int] = []
        self._offsets: list[int] = []
        self._lo = 0
        self._hi = 0
        self._midnights: dict[int, int] = {}

    def _probe(self, u: int) -> int:
        off = datetime.fromtimestamp(u, self._zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    def _transitions(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The (instant, new offset) changes in [lo, hi), led by the offset in force at lo."""
        found = [(lo, self._probe(lo))]
        u, off = lo, found[0][1]
        while u < hi:
            v = min(u + _PROBE, hi)
            new = self._probe(v)
            if new != off:
                a, b = u, v  # offset(a) == off, offset(b) != off
                while b - a > 1:
                    m = (a + b) // 2
                    if self._probe(m) == off:
                        a = m
                    else:
                        b = m
                found.append((b, self._probe(b)))
                off = found[-1][1]
            u = v
        return found

    def _cover(self, u: int) -> None:
        if not self._starts:
            self._lo = u - 2 * DAY
            self._hi = u + _YEAR
            pairs = self._transitions(self._lo, self._hi)
            self._starts = [s for s, _ in pairs]
            self._offsets = [o for _, o in pairs]
        while u >= self._hi:
            pairs = self._transitions(self._hi, self._hi + _YEAR)
            for s, o in pairs:
                if o != self._offsets[-1]:
                    self._starts.append(s)
                    self._offsets.append(o)
            self._hi += _YEAR
        while u < self._lo:
            pairs = self._transitions(self._lo - _YEAR, self._lo)
            starts = [s for s, _ in pairs]
            offsets = [o for _, o in pairs]
            if offsets[-1] == self._offsets[0]:
                self._starts[0] = starts[-1]
                starts.pop()
                offsets.pop()
            self._starts = starts + self._starts
            self._offsets = offsets + self._offsets
            self._lo -= _YEAR
            self._starts[0] = self._lo

    def offset(self, u: int) -> int:
        if not self._lo <= u < self._hi:
            self._cover(u)
        return self._offsets[bisect_right(self._starts, u) - 1]

    def day(self, u: int) -> int:
        """The local calendar date of instant u, as days since 1970-01-01."""
        return (u + self.offset(u)) // DAY

    def midnight(self, d: int) -> int:
        """The first instant of local date d (a later instant where midnight falls in a gap)."""
        got = self._midnights.get(d)
        if got is None:
            if len(self._midnights) > 100_000:
                self._midnights.clear()
            got = self._midnights[d] = self._midnight(d)
        return got

    def _midnight(self, d: int) -> int:
        wall = d * DAY
        guess = wall - self.offset(wall)
        self.offset(guess - 2 * DAY)
        self.offset(guess + 2 * DAY)
        i = max(bisect_right(self._starts, guess - 2 * DAY) - 1, 0)
        while True:
            start = self._starts[i]
            end = self._starts[i + 1] if i + 1 < len(self._starts) else self._hi
            u = max(start, wall - self._offsets[i])
            if u < end:
                return u
            i += 1

    def windows(self, spans: Sequence[tuple[int, ...]], lo: int, hi: int) -> list[Interval]:
        """Instants in [lo, hi) whose local time of day lies in one of the half-open second-of-day spans.

        A span (start, end, days) holds only on the local dates whose ISO weekday is in the bit mask
        `days` (bit 1 Monday .. bit 7 Sunday; 0 or no third item: every day)."""
        self.offset(lo)
        self.offset(hi)
        out: list[Interval] = []
        i = max(bisect_right(self._starts, lo) - 1, 0)
        while i < len(self._starts) and self._starts[i] < hi:
            a = max(self._starts[i], lo)
            b = min(self._starts[i + 1] if i + 1 < len(self._starts) else self._hi, hi)
            off = self._offsets[i]
            for d in range((a + off) // DAY, (b - 1 + off) // DAY + 1):
                base = d * DAY - off
                weekday = 1 << iso_weekday(d)
                for span in spans:
                    if len(span) > 2 and span[2] and not span[2] & weekday:
                        continue
                    x, y = max(base + span[0], a), min(base + span[1], b)
                    if x < y:
                        out.append((x, y))
            i += 1
        return merge(out)


@cache
def zone_clock(name: str) -> ZoneClock:
    return ZoneClock(name)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint, non-touching union of half-open intervals."""
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        a, b = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if a < b:
            out.append((a, b))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def iso_weekday(d: int) -> int:
    """The ISO weekday (1 Monday .. 7 Sunday) of local date d (days since 1970-01-01, a Thursday)."""
    return (d + 3) % 7 + 1


def iso_date(d: int) -> str:
    return date.fromordinal(d + _EPOCH_DAY).isoformat()


def local_hhmm(clock: ZoneClock, u: int) -> str:
    s = (u + clock.offset(u)) % DAY
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def to_datetime(u: int) -> datetime:
    return datetime.fromtimestamp(u, UTC)


def hhmm(seconds_of_day: int) -> str:
    return f"{seconds_of_day // 3600:02d}:{seconds_of_day % 3600 // 60:02d}"
