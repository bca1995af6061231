"""A party compiled once for the daily planner: many instants and channels, decide()'s answers."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from operator import attrgetter

from huikuan.compliance.context import NEVER, Context, Facts, clocks_for
from huikuan.compliance.evaluate import Plan, judge, plan
from huikuan.compliance.location import request_zones
from huikuan.compliance.model import Decision, HistoryEvent, Request, epoch_seconds
from huikuan.compliance.pack import Pack
from huikuan.domain.enums import Channel

_by_time = attrgetter("ts")


class PartyEvaluator:
    """decide() for one party, debtor facts, debt and purpose, at any instant and on any channel.

    The party's events are sorted once; zones are found once per channel; the call facts are read once
    per set of past events (all of them, for a planner looking ahead) and kept with what the rules derive
    from them, so that each further decision costs little more than running the rules.
    """

    __slots__ = ("template", "pack", "events", "times", "_zones", "_facts", "_plans")

    def __init__(self, template: Request, history: Iterable[HistoryEvent], pack: Pack) -> None:
        pid = template.party.id
        mine = sorted([e for e in history if e.party_id == pid], key=_by_time)
        self.template = template
        self.pack = pack
        self.events = tuple(mine)
        self.times = [e.ts for e in mine]
        self._zones: dict[Channel, tuple[str, ...]] = {}
        self._facts: dict[tuple[int, tuple[str, ...]], Facts] = {}
        self._plans: dict[Channel, Plan] = {}

    def decide(self, at: datetime, channel: Channel | None = None) -> Decision:
        """decide() for the template request moved to `at` (and to `channel`, if given)."""
        t = self.template
        return self.decide_request(
            Request(at, channel or t.channel, t.purpose, t.party, t.debtor, t.debt, t.history)
        )

    def decide_request(self, request: Request) -> Decision:
        """decide() for a request with the template's party, debtor, debt and purpose."""
        channel = request.channel
        zones = self._zones.get(channel)
        if zones is None:
            zones = self._zones[channel] = request_zones(request, self.pack.country)
            self._plans[channel] = plan(self.pack, request)
        at = epoch_seconds(request.at)
        n = bisect_right(self.times, at)
        facts = self._facts.get((n, zones))
        if facts is None:
            s = self.pack.settings
            span = (NEVER, self.times[n - 1] if n else NEVER)
            facts = Facts(
                self.events[:n], request.party.id, request.debt.id, span, clocks_for(zones), s.consent_days
            )
            self._facts[(n, zones)] = facts
        ctx = Context(request, self.events, self.pack, zones, facts, at)
        return judge(ctx, self.pack, self._plans[channel])
