"""Asking the compliance gate about the local hours of a plan day, for one subject (a request maker, the
party's history, the pack): the hour mask an action gets and the rule named when no hour is left.

An hour h of the plan day (local to the case's scheduling zone) is allowed when the gate allows the
contact at its first instant and at its last second (and, for a debtor who designated inconvenient times,
at each instant such a time starts within the hour). Hours already over at `now` are never allowed; the
hour holding `now` is asked about from `now` on. When an action has no hour left, the rule named is a
rule that only facts can lift (FACT_RULES) if one blocks; else the first rule other than contact-hours
that blocks at the earliest hour asked about; else `contact-hours`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from huikuan.compliance import Decision, HistoryEvent, Pack, Request, decide
from huikuan.compliance.location import request_zones
from huikuan.compliance.model import Debt, DebtorFacts
from huikuan.compliance.pack_params import RULE_IDS
from huikuan.compliance.planner import PartyEvaluator
from huikuan.compliance.rules import TIMED
from huikuan.domain.enums import Channel
from huikuan.strategy.gate_facts import contact_request

# The planner's contact actions and the gate's channels; "none" needs no permission and has no row.
ACTION_CHANNELS: dict[str, Channel] = {
    "call": Channel.CALL,
    "sms": Channel.SMS,
    "email": Channel.EMAIL,
    "wechat": Channel.WECHAT,
    "letter": Channel.LETTER,
    "visit": Channel.VISIT,
}
FACT_RULES = frozenset(RULE_IDS) - TIMED
CONTACT_HOURS = "contact-hours"

Hour = tuple[int, datetime, datetime]  # local hour, first instant asked about, its last second
Mask = tuple[int, str | None]


def day_hours(day: date, zone: str, now: datetime) -> tuple[Hour, ...]:
    """The local hours of `day` in `zone` that are not over at `now`: (hour, first instant, last second).

    A local hour that does not exist (the hour skipped when clocks go forward) is left out; the hour
    repeated when clocks go back counts once, from its first start to the next hour.
    """
    tz = ZoneInfo(zone)
    out = []
    for h in range(24):
        start = datetime.combine(day, time(h), tz).astimezone(UTC)
        following = day + timedelta(days=1) if h == 23 else day
        end = datetime.combine(following, time((h + 1) % 24), tz).astimezone(UTC)
        if end <= start or end <= now:
            continue
        out.append((h, max(start, now), end - timedelta(seconds=1)))
    return tuple(out)


def all_bits(hours: Sequence[Hour]) -> int:
    return sum(1 << h for h, _s, _e in hours)


class Subject:
    """Who and what is asked about: a request maker, the party's history and the pack.

    The gate is asked through the compliance package's PartyEvaluator, which compiles the party's
    history once for the many instants the plan asks about and gives decide()'s answers; with
    `compiled=False` (the reference) every question goes to `decide` itself.
    """

    __slots__ = ("make", "history", "pack", "_evaluator")

    def __init__(
        self,
        make: Callable[[datetime], Request],
        history: Sequence[HistoryEvent],
        pack: Pack,
        *,
        compiled: bool = True,
    ) -> None:
        self.make = make
        self.history = history
        self.pack = pack
        self._evaluator = PartyEvaluator(make(_EPOCH), history, pack) if compiled else None

    def ask(self, at: datetime) -> Decision:
        if self._evaluator is None:
            return decide(self.make(at), self.history, self.pack)
        return self._evaluator.decide_request(self.make(at))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _rule_of(first_refusals: Iterable[Decision]) -> str | None:
    """The rule named for an action with no hour left, from the refusals at the hours' first instants."""
    other = None
    refused = False
    for d in first_refusals:
        refused = True
        rules = [v.rule for v in d.violations]
        fact = next((r for r in rules if r in FACT_RULES), None)
        if fact is not None:
            return fact
        if other is None:
            other = next((r for r in rules if r != CONTACT_HOURS), None)
    if other is not None:
        return other
    return CONTACT_HOURS if refused else None


def _extra_probes(subject: Subject, hours: Sequence[Hour], day: date) -> list[datetime]:
    """The instants at which a designated inconvenient time starts, in every plausible zone, on the day."""
    if not hours:
        return []
    request = subject.make(hours[0][1])
    spans = request.debtor.inconvenient_times
    if not spans or not subject.pack.enabled("designated-inconvenient-time"):
        return []
    found = []
    for zone in request_zones(request, subject.pack.country):
        tz = ZoneInfo(zone)
        for offset in (-1, 0, 1):
            for span in spans:
                found.append(datetime.combine(day + timedelta(days=offset), span.start, tz).astimezone(UTC))
    return sorted(set(found))


def exhaustive_mask(subject: Subject, hours: Sequence[Hour], day: date) -> Mask:
    """Asks the gate about every hour: its first instant, its last second and any instant in between at
    which a designated inconvenient time starts."""
    extra = _extra_probes(subject, hours, day)
    mask = 0
    firsts: list[Decision] = []
    for h, start, end in hours:
        probes = [start, *(x for x in extra if start < x < end), end]
        first = subject.ask(start)
        if not first.allowed:
            firsts.append(first)
            if any(v.rule in FACT_RULES for v in first.violations):
                return 0, _rule_of(firsts)
            continue
        if all(subject.ask(x).allowed for x in probes[1:]):
            mask |= 1 << h
    return mask, None if mask else _rule_of(firsts)


def case_mask(subject: Subject, hours: Sequence[Hour], group: Mask, call: bool) -> Mask:
    """A case without designated times or consent: the group's hours, less what facts and history remove.

    Facts block every instant, so the first one shows them. History only blocks calls, from now until
    an instant after which nothing of it blocks again, so the calls allowed are the group's hours from
    the first whose first instant the gate allows.
    """
    if not hours:
        return 0, None
    first = subject.ask(hours[0][1])
    if not first.allowed and any(v.rule in FACT_RULES for v in first.violations):
        return 0, _rule_of([first])
    history_blocks = any(v.rule != CONTACT_HOURS for v in first.violations)
    if not call or not history_blocks:
        return group
    open_hours = [x for x in hours if group[0] >> x[0] & 1]
    mask = 0
    i = 0
    while i < len(open_hours):
        h, start, _end = open_hours[i]
        d = first if start == hours[0][1] else subject.ask(start)
        if d.allowed:
            mask = all_bits(open_hours[i:])
            break
        if d.next_allowed_at is None:
            break
        i += 1
        while i < len(open_hours) and open_hours[i][1] < d.next_allowed_at:
            i += 1
    return mask, None if mask else _rule_of([first])


def request_maker(
    debtor: int, facts: DebtorFacts, channel: Channel, account: int, debt: Debt | None = None
) -> Callable[[datetime], Request]:
    """The requests of a collection contact with the debtor on `channel`, by instant."""

    def make(at: datetime) -> Request:
        return contact_request(debtor, facts, channel, at, account, debt=debt)

    return make


__all__ = [
    "ACTION_CHANNELS",
    "CONTACT_HOURS",
    "FACT_RULES",
    "Hour",
    "Mask",
    "Subject",
    "all_bits",
    "case_mask",
    "day_hours",
    "exhaustive_mask",
    "request_maker",
]
