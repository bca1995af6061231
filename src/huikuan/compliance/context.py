"""What the rules read: one request's facts compiled once (zones, clocks, the person's calls)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from huikuan.compliance.clock import DAY, ZoneClock, zone_clock
from huikuan.compliance.location import request_zones
from huikuan.compliance.model import (
    ATTEMPT,
    CALL_CHANNELS,
    CONNECTED,
    CONSENT,
    CONVERSATION_CALL,
    HistoryEvent,
    Request,
    epoch_seconds,
)
from huikuan.compliance.pack import Pack, Settings
from huikuan.compliance.windows import HORIZON

# A local calendar day is within a day and a few hours of any instant on it (daylight saving, and the
# odd zone that skipped a date): two days of slack make a window that surely holds every event counted.
SLACK = 2 * DAY
NEVER = -(2**62)

_clocks_cache: dict[tuple[str, ...], tuple[ZoneClock, ...]] = {}


def clocks_for(zones: tuple[str, ...]) -> tuple[ZoneClock, ...]:
    got = _clocks_cache.get(zones)
    if got is None:
        got = _clocks_cache[zones] = tuple(zone_clock(z) for z in zones)
    return got


class Facts:
    """What the call rules read from a party's history about one debt, the same for every later instant.

    `calls` may reach back further than a rule's window (the batch path keeps all of them): each rule
    looks only at the part it needs, so more history never changes an answer. `memo` keeps what a rule
    derived from them (local dates, the end of a quiet period) for the search's later instants.
    """

    __slots__ = ("attempts", "conversations", "connected", "consent_ends", "memo")

    def __init__(
        self,
        events: Sequence[HistoryEvent],
        party_id: str,
        debt_id: str,
        span: tuple[int, int],
        clocks: tuple[ZoneClock, ...],
        consent_days: int,
    ) -> None:
        """Read the party's events with since <= instant <= until, span = (since, until)."""
        since, until = span
        attempts: list[int] = []
        conversations: list[int] = []
        connected: list[int] = []
        consents: list[int] = []
        # A consent matters while the calls it covers can still be in a window.
        oldest = since - (consent_days + 2) * DAY if since != NEVER else NEVER
        for e in events:
            kind = e.kind
            u = e.ts
            if not kind or u < oldest or u > until or e.party_id != party_id:
                continue
            about = not e.debt_ids or debt_id in e.debt_ids
            if kind & CONSENT and about:
                consents.append(u)
            if u < since:
                continue
            if kind & ATTEMPT and about:
                attempts.append(u)
            if kind & CONVERSATION_CALL and about:
                conversations.append(u)
            if kind & CONNECTED:
                connected.append(u)
        attempts.sort()
        conversations.sort()
        connected.sort()
        self.attempts = attempts
        self.conversations = conversations
        self.connected = connected
        self.consent_ends: list[tuple[int, int]] = []
        if consents and consent_days > 0:
            self.consent_ends = [(u, days_after(clocks, u, consent_days, widest=False)) for u in consents]
        self.memo: dict[str, object] = {}


def days_after(clocks: tuple[ZoneClock, ...], u: int, days: int, widest: bool) -> int:
    """The first instant of the local date `days` after u's; over the zones, the latest if widest."""
    ends = [c.midnight(c.day(u) + days) for c in clocks]
    return max(ends) if widest else min(ends)


class Context:
    """A request compiled against a pack; the history is read in one pass, on first use."""

    __slots__ = (
        "request",
        "pack",
        "s",
        "at",
        "limit",
        "zones",
        "clocks",
        "history",
        "debt_id",
        "is_call",
        "_mine",
        "_facts",
    )

    def __init__(
        self,
        request: Request,
        history: Sequence[HistoryEvent],
        pack: Pack,
        zones: tuple[str, ...] | None = None,
        facts: Facts | None = None,
        at: int | None = None,
    ) -> None:
        self.request = request
        self.pack = pack
        self.s: Settings = pack.settings
        self.at = epoch_seconds(request.at) if at is None else at
        self.limit = self.at + HORIZON
        self.zones = request_zones(request, pack.country) if zones is None else zones
        self.clocks = clocks_for(self.zones)
        # Any events, of anyone, in any order: only the party's own up to `at` are read.
        self.history = history
        self.debt_id = request.debt.id
        self.is_call = request.channel in CALL_CHANNELS
        self._mine: list[HistoryEvent] | None = None
        self._facts = facts

    def events(self) -> list[HistoryEvent]:
        """The party's events at or before the request's instant (later ones have not happened), unsorted."""
        if self._mine is None:
            at, pid = self.at, self.request.party.id
            self._mine = [e for e in self.history if e.party_id == pid and e.ts <= at]
        return self._mine

    def facts(self) -> Facts:
        """The call facts, from the events in a window that reaches back far enough for every later
        instant the search for the next allowed time may ask about."""
        if self._facts is None:
            s = self.s
            since = self.at - max(s.window_days, s.conversation_days, 1) * DAY - SLACK
            span = (since, self.at)
            self._facts = Facts(
                self.history, self.request.party.id, self.debt_id, span, self.clocks, s.consent_days
            )
        return self._facts

    def consented(self, u: int) -> bool:
        ends = self.facts().consent_ends
        return bool(ends) and any(c <= u < end for c, end in ends)

    def days_after(self, u: int, days: int, widest: bool) -> int:
        return days_after(self.clocks, u, days, widest)

    @staticmethod
    def since(calls: list[int], u: int) -> list[int]:
        """The instants of a sorted list from u on."""
        return calls[bisect_left(calls, u) :]
