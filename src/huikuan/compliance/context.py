"""What the rules read: one request's facts compiled once (zones, clocks, history counters)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from huikuan.compliance.clock import DAY, ZoneClock, zone_clock
from huikuan.compliance.location import request_zones
from huikuan.compliance.model import (
    CALL_CHANNELS,
    Direction,
    HistoryEvent,
    Outcome,
    Request,
    epoch_seconds,
)
from huikuan.compliance.pack import Pack, Settings

HORIZON = 400 * DAY
# A conversation, a message left, a delivered letter or text, or consent: the person heard from the
# collector. Counting a voicemail is the protective reading (it may have been more than a limited message).
COMMUNICATIONS = frozenset({Outcome.CONVERSATION, Outcome.VOICEMAIL, Outcome.DELIVERED, Outcome.CONSENT})
CONNECTED = frozenset({Outcome.CONVERSATION, Outcome.CONSENT})


@dataclass(frozen=True, slots=True)
class PartyHistory:
    """One party's events sorted by time: compiled once, shared by every request about that party."""

    party_id: str
    events: tuple[HistoryEvent, ...]
    times: tuple[int, ...]

    @classmethod
    def of(cls, party_id: str, events: Iterable[HistoryEvent]) -> PartyHistory:
        mine = sorted((e for e in events if e.party_id == party_id), key=lambda e: e.ts)
        return cls(party_id, tuple(mine), tuple(e.ts for e in mine))

    def until(self, t: int) -> tuple[HistoryEvent, ...]:
        """The events at or before t: later ones have not happened as far as the gate is concerned."""
        n = bisect_right(self.times, t)
        return self.events if n == len(self.events) else self.events[:n]


_clocks_cache: dict[tuple[str, ...], tuple[ZoneClock, ...]] = {}


def clocks_for(zones: tuple[str, ...]) -> tuple[ZoneClock, ...]:
    got = _clocks_cache.get(zones)
    if got is None:
        got = _clocks_cache[zones] = tuple(zone_clock(z) for z in zones)
    return got


class Context:
    """A request compiled against a pack; derived counters are computed on first use and kept."""

    __slots__ = (
        "request",
        "pack",
        "s",
        "at",
        "limit",
        "zones",
        "clocks",
        "events",
        "debt_id",
        "_consent_ends",
        "_counted",
        "_conversation",
        "_connected",
        "_first_comm",
    )

    def __init__(self, request: Request, history: PartyHistory, pack: Pack) -> None:
        self.request = request
        self.pack = pack
        self.s: Settings = pack.settings
        self.at = epoch_seconds(request.at)
        self.limit = self.at + HORIZON
        self.zones = request_zones(request, pack.country)
        self.clocks = clocks_for(self.zones)
        self.events = history.until(self.at)
        self.debt_id = request.debt.id
        self._consent_ends: list[tuple[int, int]] | None = None
        self._counted: list[list[int]] | None = None
        self._conversation: tuple[int, int] | None = None
        self._connected: list[list[int]] | None = None
        self._first_comm: int | None = None

    def days_after(self, u: int, days: int, widest: bool) -> int:
        """The first instant of the local date `days` after u's; over the zones, the latest if widest."""
        ends = [c.midnight(c.day(u) + days) for c in self.clocks]
        return max(ends) if widest else min(ends)

    def consent_ends(self) -> list[tuple[int, int]]:
        """(consent, end) pairs: calls in [consent, end) are outside the call counts, 1006.14(b)(3)(i)."""
        if self._consent_ends is None:
            days = self.s.consent_days
            self._consent_ends = [
                (e.ts, self.days_after(e.ts, days, widest=False))
                for e in self.events
                if e.outcome is Outcome.CONSENT and days > 0 and e.concerns(self.debt_id)
            ]
        return self._consent_ends

    def consented(self, u: int) -> bool:
        return any(c <= u < end for c, end in self.consent_ends())

    def counted_call_days(self) -> list[list[int]]:
        """Per zone, the local dates of the calls that count towards call-frequency, newest first."""
        if self._counted is None:
            calls = [
                e.ts
                for e in self.events
                if e.direction is Direction.OUTBOUND
                and e.channel in CALL_CHANNELS
                and e.outcome is not Outcome.NOT_CONNECTED
                and e.concerns(self.debt_id)
            ]
            if calls and self.consent_ends():
                calls = [u for u in calls if not self.consented(u)]
            self._counted = [sorted((c.day(u) for u in calls), reverse=True) for c in self.clocks]
        return self._counted

    def conversation_block(self) -> tuple[int, int]:
        """(conversation, end of its quiet period) for the period that ends last; (0, 0) if none."""
        if self._conversation is None:
            best = (0, 0)
            for e in self.events:
                if (
                    e.outcome is Outcome.CONVERSATION
                    and e.channel in CALL_CHANNELS
                    and e.concerns(self.debt_id)
                ):
                    end = self.days_after(e.ts, self.s.conversation_days, widest=True)
                    if end > best[1]:
                        best = (e.ts, end)
            self._conversation = best
        return self._conversation

    def connected_call_days(self) -> list[list[int]]:
        """Per zone, the local dates of connected outbound calls to the person, about any debt."""
        if self._connected is None:
            calls = [
                e.ts
                for e in self.events
                if e.direction is Direction.OUTBOUND and e.channel in CALL_CHANNELS and e.outcome in CONNECTED
            ]
            self._connected = [[c.day(u) for u in calls] for c in self.clocks]
        return self._connected

    def first_communication(self) -> int:
        """The first communication with the person about this debt, or -1 if none."""
        if self._first_comm is None:
            self._first_comm = next(
                (e.ts for e in self.events if e.outcome in COMMUNICATIONS and e.concerns(self.debt_id)), -1
            )
        return self._first_comm

    def communications(self) -> int:
        """Communications with the person, about any debt (a third party is asked about the person)."""
        return sum(1 for e in self.events if e.outcome in COMMUNICATIONS)
