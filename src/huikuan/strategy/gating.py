"""The compliance gate applied to the daily plan: in which local hours of the plan day may each action be
taken for each case, and which rule removed an action that has no hour left (the ALLOWED frame).

Every answer comes from the real gate, `huikuan.compliance.decide`, asked about concrete instants:

- An hour h of the plan day (local to the case's scheduling zone, CASES.time_zone) is allowed when the
  gate allows the contact at its first instant and at its last second (and, for a debtor who designated
  inconvenient times, at each instant such a time starts within the hour). Hours already over at `now`
  are never allowed; the hour holding `now` is asked about from `now` on.
- When an action has no hour left, `rule` names why: a rule that only facts can lift (cease, dispute,
  attorney, channel-opt-out ...) if one blocks; else the first rule other than contact-hours that blocks
  at the earliest hour asked about; else `contact-hours`. It is null when some hour is allowed.

Asking the gate 48 times for each of six actions for a million cases would take hours, so the cases are
grouped. With no recent history and no flag that the pack acts on, the gate's answer depends only on
the pack, the plausible time zones (from the debtor's phones, address and stated zone) and the
scheduling zone: such cases share the masks of their group, computed once by asking the gate hour by
hour. The other cases are asked about one by one, from their stored facts and history:

- a flag the pack acts on (cease, deceased, bankruptcy, disputed, attorney, opted-out channels) or any
  open hold (table holds: hardship, breathing space ... with its end) shows at the first hour asked
  about, and blocks every hour (a hold that ends during the plan day blocks the whole day: fail closed);
  a case with an open dispute of one of its accounts is asked about here too, about its first open
  account no dispute stops (`collectible_account`), so that a case whose every account is disputed is
  refused and one with another account to collect is not;
- history (call-frequency, post-conversation, daily-call-cap: call rules only) blocks calls from `now`
  until some instant, never later in the day once lifted, because no new event enters the history; so
  the call mask is the group's mask from the first hour the gate allows on, found with the gate's own
  `next_allowed_at`;
- designated inconvenient times, and consent (which lifts the call-count rules for a while and lets
  them block again), break that shape: those cases are asked about every hour, as the reference does.
- a debtor linked to a person that other creditors placed too (FLAG_BITS "linked") is asked about
  alone, like a case with history: the person's other placements add facts and calls (debtor_facts and
  gate_history merge them) that its own counts and flags do not show; inconvenient times that come
  from another placement make it exhaustive.

`reference_allowed` asks about every case, action and hour with no grouping at all; it is the
specification the grouped path must equal, and the tests compare the two on random portfolios.

`debtor_facts`, `gate_history` and `contact_request` build the gate's inputs from stored rows, the same
way for the plan and for a collector's workbench: the party id of a debtor is "D<debtor id>", of a
related party "P<party id>"; debts are "A<account id>" and an interaction concerns every account of its
case; a conversation outcome (CONVERSATION_OUTCOMES) is the gate's "conversation", `refused_by_gate`
never happened, other outcomes keep their names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import polars as pl
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX
from sqlalchemy import Connection, literal, select

from huikuan.compliance import Decision, HistoryEvent, Pack, Request, decide, load_pack
from huikuan.compliance.location import phone_zones, plausible_zones, request_zones
from huikuan.compliance.model import (
    PLACES,
    WORKPLACE,
    Address,
    Debt,
    DebtorFacts,
    EventOutcome,
    Flags,
    Hold,
    HoldKind,
    InconvenientTime,
    Party,
    Purpose,
    Role,
)
from huikuan.compliance.pack import RULE_IDS
from huikuan.compliance.person import merge_person_facts
from huikuan.compliance.planner import PartyEvaluator
from huikuan.compliance.rules import TIMED
from huikuan.domain.disputes import OPEN_DISPUTE
from huikuan.domain.enums import CONVERSATION_OUTCOMES, Channel, Direction
from huikuan.storage import tables as t
from huikuan.strategy.api import ALLOWED_SCHEMA
from huikuan.strategy.features import (
    CALL_CODES,
    FLAG_BITS,
    OUTCOME_CODES,
    QUARTER,
    QUARTERS_PER_DAY,
    Portfolio,
)

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
_IN_CHUNK = 5_000
_KNOWN_ZONES = frozenset(available_timezones())

# The stored hold kinds the gate reads (services/holds.py), by the gate's kind; a vulnerability routes
# the case to a trained collector and is no hold the gate reads.
GATE_HOLDS: dict[str, HoldKind] = {
    "hardship": HoldKind.HARDSHIP,
    "attorney": HoldKind.ATTORNEY,
    "deceased": HoldKind.DECEASED,
    "bankruptcy": HoldKind.BANKRUPTCY,
    "cease": HoldKind.CEASE,
    "breathing_space": HoldKind.BREATHING_SPACE,
    "breathing_space_crisis": HoldKind.BREATHING_SPACE,
}

Hour = tuple[int, datetime, datetime]  # local hour, first instant asked about, its last second
Mask = tuple[int, str | None]


# --- the gate's inputs from stored rows ----------------------------------------------------------


def creditor_pack(pack: str, overrides: Any) -> Pack:
    """A creditor's pack: the named pack tightened by the creditor's overrides (a TOML-shaped mapping)."""
    base = load_pack(pack)
    if isinstance(overrides, str):
        overrides = json.loads(overrides or "{}")
    return base.tightened(overrides) if overrides else base


def party_id(debtor_id: int) -> str:
    return f"D{debtor_id}"


def debt_id(account_id: int) -> str:
    return f"A{account_id}"


def contact_request(
    debtor_id: int,
    facts: DebtorFacts,
    channel: Channel,
    at: datetime,
    account_id: int,
    *,
    to: str | None = None,
    debt: Debt | None = None,
) -> Request:
    """A collection contact with the debtor about one of its accounts (`debt`: its stored facts)."""
    return Request(
        at=at,
        channel=channel,
        purpose=Purpose.COLLECT,
        party=Party(party_id(debtor_id), Role.DEBTOR, to=to),
        debtor=facts,
        debt=debt or Debt(debt_id(account_id)),
    )


def person_siblings(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """For each of these debtors linked to a person (services/persons.py), the other debtors of that
    person: the same person placed by other creditors."""
    pm = t.person_members.c
    other = t.person_members.alias("other")
    found: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        query = (
            select(pm.debtor_id, other.c.debtor_id.label("sibling"))
            .join(other, other.c.person_id == pm.person_id)
            .where(pm.debtor_id.in_(chunk), other.c.debtor_id != pm.debtor_id)
        )
        for row in _rows(conn, query):
            found.setdefault(row.debtor_id, []).append(row.sibling)
    return {did: tuple(sorted(sibs)) for did, sibs in found.items()}


def disputed_accounts(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """The accounts of each debtor whose collection an open dispute naming them stops (the gate's
    Debt.disputed); a dispute of a whole case is the debtor's flag instead (debtors.disputed)."""
    x = t.disputes.c
    out: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        query = select(x.debtor_id, x.account_id).where(
            x.debtor_id.in_(chunk),
            x.account_id.is_not(None),
            x.stops_collection.is_(True),
            x.status.in_([s.value for s in OPEN_DISPUTE]),
        )
        for row in _rows(conn, query):
            out.setdefault(row.debtor_id, set()).add(int(row.account_id))
    return {did: frozenset(ids) for did, ids in out.items()}


def collectible_account(accounts: Sequence[int], disputed: frozenset[int]) -> tuple[int, bool]:
    """The account a collection contact is about: the first one no dispute stops, else the first (which
    the gate then refuses as disputed)."""
    free = [acc for acc in accounts if acc not in disputed]
    if free:
        return free[0], False
    return accounts[0], True


def debt_facts(conn: Connection, account_ids: Iterable[int], today: date) -> dict[int, Debt]:
    """What the gate knows of each account from its stored facts (services/notices.py keeps them true):
    time-barred from its limitation date on; the validation notice sent when its mailing is recorded, not
    sent (False) when the creditor's pack enables the validation-notice rule and none is recorded, else
    unknown (None)."""
    a, cr = t.accounts.c, t.creditors.c
    out: dict[int, Debt] = {}
    packs: dict[int, Pack] = {}
    for chunk in _chunks(sorted(set(account_ids))):
        query = (
            select(a.id, a.creditor_id, a.limitation_date, a.validation_mailed_on, cr.pack, cr.pack_overrides)
            .join(t.creditors, cr.id == a.creditor_id)
            .where(a.id.in_(chunk))
        )
        for row in _rows(conn, query):
            if row.creditor_id not in packs:
                packs[row.creditor_id] = creditor_pack(row.pack, row.pack_overrides)
            sent: bool | None = True if row.validation_mailed_on is not None else None
            if sent is None and packs[row.creditor_id].enabled("validation-notice"):
                sent = False
            out[row.id] = Debt(
                debt_id(row.id),
                time_barred=row.limitation_date is not None and today >= row.limitation_date,
                validation_sent=sent,
            )
    return out


def case_debt(account_id: int, debts: Sequence[Debt]) -> Debt:
    """One debt standing for a case's accounts in the plan: validation not sent if any account's is not,
    time-barred only if every account is."""
    sent = [d.validation_sent for d in debts]
    validation: bool | None = False if False in sent else (True if sent and all(sent) else None)
    barred = bool(debts) and all(d.time_barred for d in debts)
    return Debt(debt_id(account_id), time_barred=barred, validation_sent=validation)


def debtor_facts(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, DebtorFacts]:
    """What the gate knows of each debtor: its own facts (`own_facts`), tightened by those of the other
    debtors of the same person (compliance.person.merge_person_facts), whose statements and holds bind it."""
    ids = sorted(set(debtor_ids))
    siblings = person_siblings(conn, ids)
    extra = {s for sibs in siblings.values() for s in sibs} - set(ids)
    own = own_facts(conn, [*ids, *extra])
    return {
        did: merge_person_facts(own[did], [own[s] for s in siblings.get(did, ()) if s in own])
        for did in ids
        if did in own
    }


def own_facts(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, DebtorFacts]:
    """What the gate knows of each debtor: own phone numbers, address, zone, designated times and places,
    flags.

    A zone that is not a real IANA zone is dropped (the phones and address still place the debtor); a
    designated inconvenient time that cannot be read counts as the whole day (fail closed).
    """
    d, cp = t.debtors.c, t.contact_points.c
    facts: dict[int, DebtorFacts] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        phones: dict[int, list[str]] = {}
        for row in _rows(
            conn,
            select(cp.debtor_id, cp.value).where(
                cp.debtor_id.in_(chunk), cp.party_id.is_(None), cp.kind.in_(["mobile", "landline"])
            ),
        ):
            phones.setdefault(row.debtor_id, []).append(row.value)
        holds = _open_holds(conn, chunk)
        query = select(
            d.id,
            d.time_zone,
            d.address_country,
            d.address_region,
            d.cease,
            d.disputed,
            d.attorney,
            d.deceased,
            d.employer_prohibits,
            d.bankruptcy,
            d.opt_out_channels,
            d.inconvenient_times,
            d.inconvenient_places,
        ).where(d.id.in_(chunk))
        for row in _rows(conn, query):
            facts[row.id] = DebtorFacts(
                phones=tuple(sorted(set(phones.get(row.id, ())))),
                address=_address(row.address_country, row.address_region),
                time_zone=row.time_zone if row.time_zone in _KNOWN_ZONES else None,
                inconvenient_times=_inconvenient(row.inconvenient_times),
                inconvenient_places=_places(row.inconvenient_places),
                flags=Flags(
                    cease=bool(row.cease),
                    disputed=bool(row.disputed),
                    attorney=bool(row.attorney),
                    deceased=bool(row.deceased),
                    employer_prohibits=bool(row.employer_prohibits),
                    opt_out=frozenset(_channels(row.opt_out_channels)),
                    bankruptcy=bool(row.bankruptcy),
                    holds=holds.get(row.id, ()),
                ),
            )
    return facts


def _open_holds(conn: Connection, debtor_ids: list[int]) -> dict[int, tuple[Hold, ...]]:
    """The open holds the gate reads, by debtor, in the contract's order (kind, then end)."""
    h = t.holds.c
    found: dict[int, list[Hold]] = {}
    query = select(h.debtor_id, h.kind, h.ends_at).where(
        h.debtor_id.in_(debtor_ids), h.ended_at.is_(None), h.kind.in_(sorted(GATE_HOLDS))
    )
    for row in _rows(conn, query):
        found.setdefault(row.debtor_id, []).append(Hold(GATE_HOLDS[row.kind], row.ends_at))
    return {
        did: tuple(sorted(hs, key=lambda x: (x.kind.value, x.until_ts or 0))) for did, hs in found.items()
    }


def gate_history(
    conn: Connection,
    debtor_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, list[HistoryEvent]]:
    """The debtors' own history (`_own_history`), and for a debtor linked to a person, the contacts with
    that person made on behalf of the other creditors, under this debtor's party id: the person is one
    party, so the rules that count per person (daily-call-cap) count them; each keeps the debts of its
    own case, so the rules that count per debt (call-frequency, post-conversation) do not."""
    ids = sorted(set(debtor_ids))
    history = _own_history(conn, ids, since=since, until=until)
    siblings = person_siblings(conn, ids)
    if not siblings:
        return history
    extra = sorted({s for sibs in siblings.values() for s in sibs} - set(ids))
    others = _own_history(conn, extra, since=since, until=until) if extra else {}
    asked = set(ids)
    # Each sibling's own events, copied before any list of `history` is extended.
    theirs = {
        s: list((history if s in asked else others).get(party_id(s), []))
        for sibs in siblings.values()
        for s in sibs
    }
    for did, sibs in siblings.items():
        moved = [replace(e, party_id=party_id(did)) for s in sibs for e in theirs[s]]
        if moved:
            history[party_id(did)] = sorted([*history.get(party_id(did), []), *moved], key=lambda e: e.at)
    return history


def _own_history(
    conn: Connection,
    debtor_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, list[HistoryEvent]]:
    """The stored interactions and sent messages of these debtors as the gate's history, by party id,
    oldest first.

    The debtor's own events are under "D<debtor id>", a related party's under "P<party id>" with its
    role; each event concerns every account of its case ("A<account id>").
    """
    i, p, a = t.interactions.c, t.parties.c, t.accounts.c
    m, c = t.messages.c, t.cases.c
    rows = []
    for chunk in _chunks(sorted(set(debtor_ids))):
        query = (
            select(i.debtor_id, i.party_id, p.role, i.case_id, i.at, i.channel, i.direction, i.outcome)
            .select_from(t.interactions.outerjoin(t.parties, p.id == i.party_id))
            .where(i.debtor_id.in_(chunk))
        )
        # A message sent from the outbox is a contact too: it counts from the moment it went out.
        sent = (
            select(
                c.debtor_id,
                m.party_id,
                p.role,
                m.case_id,
                m.sent_at.label("at"),
                m.channel,
                literal("outbound").label("direction"),
                literal("delivered").label("outcome"),
            )
            .select_from(t.messages.join(t.cases, c.id == m.case_id).outerjoin(t.parties, p.id == m.party_id))
            .where(c.debtor_id.in_(chunk), m.status.in_(("sent", "delivered")), m.sent_at.is_not(None))
        )
        if since is not None:
            query = query.where(i.at >= since)
            sent = sent.where(m.sent_at >= since)
        if until is not None:
            query = query.where(i.at <= until)
            sent = sent.where(m.sent_at <= until)
        rows.extend(_rows(conn, query))
        rows.extend(_rows(conn, sent))
    debts: dict[int, list[str]] = {}
    for chunk in _chunks(sorted({r.case_id for r in rows})):
        for acc in _rows(conn, select(a.id, a.case_id).where(a.case_id.in_(chunk)).order_by(a.id)):
            debts.setdefault(acc.case_id, []).append(debt_id(acc.id))
    history: dict[str, list[HistoryEvent]] = {}
    for r in sorted(rows, key=lambda r: r.at):
        event = _event(r, tuple(debts.get(r.case_id, ())))
        if event is not None:
            history.setdefault(event.party_id, []).append(event)
    return history


_CHANNELS: dict[str, Channel] = {c.value: c for c in Channel}
_OUTCOMES: dict[str, EventOutcome] = {o.value: o for o in EventOutcome}
_ROLES: dict[str, Role] = {r.value: r for r in Role}


def _event(row: Any, debts: tuple[str, ...]) -> HistoryEvent | None:
    if row.outcome == "refused_by_gate":
        return None  # the gate refused it: no contact took place
    channel = _CHANNELS.get(row.channel)
    if channel is None:
        return None
    # An outcome the gate does not know is read as the strictest one, a conversation.
    outcome = (
        EventOutcome.CONVERSATION if row.outcome in CONVERSATION_OUTCOMES else _OUTCOMES.get(row.outcome)
    )
    role: Role | None = Role.DEBTOR
    if row.party_id is None:
        party = party_id(row.debtor_id)
    else:
        party, role = f"P{row.party_id}", _ROLES.get(row.role)
    return HistoryEvent(
        at=row.at,
        channel=channel,
        direction=Direction.INBOUND if row.direction == "inbound" else Direction.OUTBOUND,
        party_id=party,
        outcome=outcome or EventOutcome.CONVERSATION,
        party_role=role,
        debt_ids=debts,
    )


def _rows(conn: Connection, query: Any) -> list[Any]:
    return list(conn.execute(query))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield [int(x) for x in ids[start : start + _IN_CHUNK]]


def _address(country: str | None, region: str | None) -> Address | None:
    return Address(country=country, region=region) if country or region else None


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [None]
    return value if isinstance(value, list) else []


def _channels(value: Any) -> list[Channel]:
    return [_CHANNELS[v] for v in _json_list(value) if isinstance(v, str) and v in _CHANNELS]


def _inconvenient(value: Any) -> tuple[InconvenientTime, ...]:
    """The stored spans ({"start", "end", "days"}: ISO weekdays, absent or empty for every day)."""
    spans = []
    for item in _json_list(value):
        try:
            days = item.get("days") or []
            if not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
                raise ValueError(days)
            start, end = time.fromisoformat(item["start"]), time.fromisoformat(item["end"])
            spans.append(InconvenientTime(start, end, frozenset(days)))
        except (TypeError, KeyError, ValueError, AttributeError):
            spans.append(InconvenientTime(time(0), time(0)))  # unreadable: the whole day, every day
    return tuple(spans)


def _places(value: Any) -> frozenset[str]:
    """The stated inconvenient places; one that cannot be read counts as the workplace (fail closed)."""
    return frozenset(v if v in PLACES else WORKPLACE for v in _json_list(value))


# --- asking the gate about the hours of a day ----------------------------------------------------


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


class _Subject:
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


def _extra_probes(subject: _Subject, hours: Sequence[Hour], day: date) -> list[datetime]:
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


def exhaustive_mask(subject: _Subject, hours: Sequence[Hour], day: date) -> Mask:
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


def _case_mask(subject: _Subject, hours: Sequence[Hour], group: Mask, call: bool) -> Mask:
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


# --- the ALLOWED frame ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PackInfo:
    pack: Pack
    lookback_quarters: int


def _pack_infos(portfolio: Portfolio) -> dict[int, _PackInfo]:
    out = {}
    for cid, c in portfolio.creditors.items():
        pack = creditor_pack(c["pack"], c["pack_overrides"])
        out[cid] = _PackInfo(pack, _lookback_days(pack) * QUARTERS_PER_DAY + 4)
    return out


def _lookback_days(pack: Pack) -> int:
    """How far back history can block a call today under this pack (the gate's own slack included)."""
    s = pack.settings
    days = 1
    if pack.enabled("call-frequency"):
        days = max(days, s.window_days, s.consent_days)
    if pack.enabled("post-conversation"):
        days = max(days, s.conversation_days, s.consent_days)
    return days + 3


def allowed_frame(conn: Connection, portfolio: Portfolio) -> pl.DataFrame:
    """The ALLOWED frame (ALLOWED_SCHEMA): one row per plannable case and contact action."""
    if portfolio.cases.height == 0:
        return pl.DataFrame(schema=ALLOWED_SCHEMA)
    infos = _pack_infos(portfolio)
    keyed, groups = _groups(portfolio, infos)
    masks = _group_masks(groups, portfolio)
    triage = _triage(portfolio, infos)
    waiting = _awaiting_validation(conn, portfolio, infos)
    if waiting:
        # A validation notice not sent blocks every channel once due: such cases are asked hour by hour.
        triage = triage.with_columns(pl.col("exhaustive") | pl.col("case_id").is_in(sorted(waiting)))
    special = triage.filter(pl.col("facts") | pl.col("history") | pl.col("exhaustive"))
    rows = keyed.join(masks, on="group").drop("group")
    if special.height:
        own = _per_case(conn, portfolio, infos, special.join(keyed, on="case_id"), masks, groups)
        kept = rows.join(own.select("case_id", "action"), on=["case_id", "action"], how="anti")
        rows = pl.concat([kept, own])
    return rows.select([pl.col(k).cast(v) for k, v in ALLOWED_SCHEMA.items()])


@dataclass(frozen=True)
class _Group:
    """Cases the gate answers alike when nothing but their location counts: the same pack, the same
    plausible zones and the same scheduling zone. `facts` places a debtor in those zones."""

    pack: Pack
    facts: DebtorFacts
    zone: str


def _groups(portfolio: Portfolio, infos: dict[int, _PackInfo]) -> tuple[pl.DataFrame, list[_Group]]:
    """Each case's group (case_id, group), found without asking anything per debtor.

    A phone's zones depend only on its first digits, so they are looked up once per prefix; a debtor's
    phones then reduce to the distinct zone sets they give, and `plausible_zones` is asked once per
    distinct (zone sets, address, stated zone, country), with one representative number per set.
    """
    packs = {info.pack.fingerprint: info.pack for info in infos.values()}
    cases = portfolio.cases.with_columns(
        pl.col("creditor_id")
        .replace_strict({cid: info.pack.fingerprint for cid, info in infos.items()}, return_dtype=pl.Utf8)
        .alias("fingerprint"),
    )
    phones = portfolio.phones.join(cases.select("debtor_id", "fingerprint"), on="debtor_id").with_columns(
        _phone_key(pl.col("value")).alias("key")
    )
    keys = phones.group_by("fingerprint", "key").agg(pl.col("value").first().alias("rep"))
    # A number's zones can depend on the pack's country (a number not in E.164 form is read as dialled
    # there), so a zone set is known by (country, zones) and its representative is read in that country.
    zone_sets: dict[tuple[str, tuple[str, ...]], int] = {}
    reps: dict[int, str] = {}
    ids = []
    for fp, rep in keys.select("fingerprint", "rep").iter_rows():
        country = packs[fp].country
        zid = zone_sets.setdefault((country, phone_zones(rep, country)), len(zone_sets))
        reps.setdefault(zid, rep)
        ids.append(zid)
    keys = keys.with_columns(pl.Series("zone_set", ids, dtype=pl.Int32))
    with_sets = phones.join(keys.select("fingerprint", "key", "zone_set"), on=["fingerprint", "key"])
    if len(zone_sets) <= 62:
        # A debtor's zone sets as the bits of one integer: an OR per debtor, no list per group.
        bit = pl.lit(2, dtype=pl.Int64).pow(pl.col("zone_set").cast(pl.Int64))
        signatures = with_sets.group_by("debtor_id").agg(bit.bitwise_or().cast(pl.Utf8).alias("sig"))
    else:
        signatures = with_sets.group_by("debtor_id").agg(
            pl.col("zone_set").unique().sort().cast(pl.Utf8).str.join(",").alias("sig")
        )
    cases = cases.join(signatures, on="debtor_id", how="left").with_columns(pl.col("sig").fill_null(""))
    parts = ["fingerprint", "sig", "address_country", "address_region", "debtor_zone", "time_zone"]
    distinct = cases.select(parts).unique()
    index: dict[tuple[str, tuple[str, ...], str], int] = {}
    groups: list[_Group] = []
    numbers = []
    for fp, sig, country, region, stated, zone in distinct.iter_rows():
        pack = packs[fp]
        facts = DebtorFacts(
            phones=tuple(reps[z] for z in _zone_set_ids(sig, len(zone_sets))),
            address=_address(country, region),
            time_zone=stated,
        )
        zones = plausible_zones(facts.phones, facts.address, facts.time_zone, pack.country)
        key = (fp, zones, zone)
        if key not in index:
            index[key] = len(groups)
            groups.append(_Group(pack, facts, zone))
        numbers.append(index[key])
    distinct = distinct.with_columns(pl.Series("group", numbers, dtype=pl.Int32))
    return cases.join(distinct, on=parts, nulls_equal=True).select("case_id", "group"), groups


def _zone_set_ids(sig: str, count: int) -> list[int]:
    """The zone sets of a signature: the bits of an integer (up to 62 sets), else a comma list."""
    if not sig:
        return []
    if count <= 62:
        bits = int(sig)
        return [i for i in range(count) if bits >> i & 1]
    return [int(z) for z in sig.split(",")]


def _phone_key(value: pl.Expr) -> pl.Expr:
    """A key that two numbers share only if `phone_zones` gives them the same zones.

    For a number in E.164 form the zones follow from the longest prefix (of 4 to 9 digits) found in
    phonenumbers' zone table, else from the first 3 digits (which hold the calling code); any other text
    is its own key.
    """
    digits = value.str.slice(1)
    found = [
        pl.when(digits.str.slice(0, n).is_in(sorted(k for k in TIMEZONE_DATA if len(k) == n))).then(
            digits.str.slice(0, n)
        )
        for n in range(TIMEZONE_LONGEST_PREFIX, 3, -1)
    ]
    e164 = value.str.contains(r"^\+\d{7,15}$")
    return (
        pl.when(e164)
        .then(pl.lit("E") + pl.coalesce(*found, digits.str.slice(0, 3)))
        .otherwise(pl.lit("R") + value)
    )


def _group_masks(groups: list[_Group], portfolio: Portfolio) -> pl.DataFrame:
    """Each group's mask and rule per action, asked of the gate hour by hour with no history or flag."""
    out: dict[str, list[Any]] = {"group": [], "action": [], "hour_mask": [], "rule": []}
    for number, group in enumerate(groups):
        hours = day_hours(portfolio.day, group.zone, portfolio.now)
        for action, channel in ACTION_CHANNELS.items():
            subject = _Subject(_maker(0, group.facts, channel, 0), (), group.pack)
            mask, rule = exhaustive_mask(subject, hours, portfolio.day)
            out["group"].append(number)
            out["action"].append(action)
            out["hour_mask"].append(mask)
            out["rule"].append(rule)
    schema = {"group": pl.Int32, **{k: v for k, v in ALLOWED_SCHEMA.items() if k != "case_id"}}
    return pl.DataFrame(out, schema=schema)


def _maker(
    debtor: int, facts: DebtorFacts, channel: Channel, account: int, debt: Debt | None = None
) -> Callable[[datetime], Request]:
    def make(at: datetime) -> Request:
        return contact_request(debtor, facts, channel, at, account, debt=debt)

    return make


# How far back a connected call can count towards a daily cap: the local day of any instant from now on
# began at most 25 hours before now (a day with a clock change), plus an hour of margin.
_CAP_BACK = 26 * 4 + 4


def _days_back(days: int) -> int:
    """Quarter hours back from now to the local midnight `days` days ago, in any zone, with margin."""
    return (days + 2) * QUARTERS_PER_DAY + 4


def _triage(portfolio: Portfolio, infos: dict[int, _PackInfo]) -> pl.DataFrame:
    """Which cases the gate must be asked about one by one, and why: facts, history or exhaustive.

    History counts the debtor's events in each rule's own window (a generous one): a case whose counts
    cannot reach a rule's limit cannot be blocked by that rule.
    """
    rows = []
    for cid, info in infos.items():
        p, s = info.pack, info.pack.settings
        rows.append(
            {
                "creditor_id": cid,
                "fact_bits": (
                    # Every open hold is asked about case by case: its end, not its kind, decides.
                    FLAG_BITS["held"]
                    | (FLAG_BITS["cease"] if p.enabled("cease") else 0)
                    | (FLAG_BITS["deceased"] if p.enabled("deceased") else 0)
                    | (FLAG_BITS["bankruptcy"] if p.enabled("bankruptcy") else 0)
                    | (FLAG_BITS["disputed"] if p.enabled("dispute") else 0)
                    | (FLAG_BITS["attorney"] if p.enabled("attorney") else 0)
                    | (FLAG_BITS["opted_out"] if p.enabled("channel-opt-out") else 0)
                ),
                "times_on": p.enabled("designated-inconvenient-time"),
                "max_calls": s.max_calls if p.enabled("call-frequency") and s.max_calls > 0 else 0,
                "calls_back": _days_back(s.window_days),
                "post_on": p.enabled("post-conversation"),
                "talk_back": _days_back(s.conversation_days),
                "cap": s.daily_cap if p.enabled("daily-call-cap") else 0,
                "consent_on": p.enabled("call-frequency") or p.enabled("post-conversation"),
                "consent_back": _days_back(s.consent_days),
            }
        )
    settings = pl.DataFrame(
        rows,
        schema={
            "creditor_id": pl.Int64,
            "fact_bits": pl.Int64,
            "times_on": pl.Boolean,
            "max_calls": pl.Int32,
            "calls_back": pl.Int32,
            "post_on": pl.Boolean,
            "talk_back": pl.Int32,
            "cap": pl.Int32,
            "consent_on": pl.Boolean,
            "consent_back": pl.Int32,
        },
    )
    conversation = [OUTCOME_CODES[o] for o in CONVERSATION_OUTCOMES]
    consent, not_connected = OUTCOME_CODES["consent"], OUTCOME_CODES["not_connected"]
    call = pl.col("channel").is_in(list(CALL_CODES))
    out = pl.col("outbound")
    age = pl.col("age")
    furthest = max(info.lookback_quarters for info in infos.values())
    recent = (
        portfolio.events.filter(
            pl.col("debtor") & (age <= furthest) & (pl.col("outcome") != OUTCOME_CODES["refused_by_gate"])
        )
        .join(portfolio.cases.select("case_id", "creditor_id"), on="case_id")
        .join(settings.select("creditor_id", "calls_back", "talk_back", "consent_back"), on="creditor_id")
        .group_by("case_id")
        .agg(
            (call & out & (pl.col("outcome") != not_connected) & (age <= pl.col("calls_back")))
            .sum()
            .alias("attempts"),
            (call & pl.col("outcome").is_in(conversation) & (age <= pl.col("talk_back")))
            .sum()
            .alias("conversations"),
            (call & out & pl.col("outcome").is_in([*conversation, consent]) & (age <= _CAP_BACK))
            .sum()
            .alias("connected"),
            ((pl.col("outcome") == consent) & (age <= pl.col("consent_back"))).sum().alias("consents"),
        )
    )
    frame = (
        portfolio.cases.select("case_id", "creditor_id", "flags")
        .join(settings, on="creditor_id")
        .join(recent, on="case_id", how="left")
        .with_columns(pl.col("attempts", "conversations", "connected", "consents").fill_null(0))
    )
    # A case whose person other creditors placed too is asked about alone: the facts and the calls of
    # the person's other cases (merged by debtor_facts and gate_history) are not in its own counts.
    linked = (pl.col("flags") & FLAG_BITS["linked"]) > 0
    history = (
        ((pl.col("max_calls") > 0) & (pl.col("attempts") >= pl.col("max_calls")))
        | (pl.col("post_on") & (pl.col("conversations") > 0))
        | ((pl.col("cap") > 0) & (pl.col("connected") >= pl.col("cap")))
        | linked
    )
    return frame.select(
        "case_id",
        ((pl.col("flags") & pl.col("fact_bits")) > 0).alias("facts"),
        history.alias("history"),
        (
            (pl.col("times_on") & (pl.col("flags") & FLAG_BITS["inconvenient"] > 0))
            | (history & pl.col("consent_on") & (pl.col("consents") > 0))
        ).alias("exhaustive"),
    )


def _per_case(
    conn: Connection,
    portfolio: Portfolio,
    infos: dict[int, _PackInfo],
    special: pl.DataFrame,
    masks: pl.DataFrame,
    groups: list[_Group],
) -> pl.DataFrame:
    """The gate asked about each special case, from its stored facts and recent history.

    A case special for its flags alone (no history that can block, no designated times) is answered
    like every case of its group with the same flags: the gate is asked once per (group, flags).
    """
    columns = ("case_id", "debtor_id", "creditor_id", "time_zone", "first_account")
    cases = special.join(portfolio.cases.select(columns), on="case_id")
    debtors = cases.get_column("debtor_id").to_list()
    facts = debtor_facts(conn, debtors)
    with_history = cases.filter(pl.col("history") | pl.col("exhaustive")).get_column("debtor_id").to_list()
    back = max(info.lookback_quarters for info in infos.values()) * QUARTER
    history = gate_history(
        conn, with_history, since=portfolio.now - timedelta(seconds=back + 86_400), until=portfolio.now
    )
    debts = _case_debts(conn, cases.get_column("case_id").to_list(), portfolio.day)
    # The validation-notice rule reads the first communication ever: such cases get their whole history.
    unvalidated = [
        d for c, d in zip(cases["case_id"], cases["debtor_id"], strict=True) if _unvalidated(debts, c)
    ]
    history.update(gate_history(conn, unvalidated, until=portfolio.now))
    group_masks = {(g, a): (m, r) for g, a, m, r in masks.iter_rows()}
    accounts_of = _collected_accounts(conn, cases.select("case_id", "debtor_id", "first_account").iter_rows())
    hours_of: dict[str, tuple[Hour, ...]] = {}
    by_flags: dict[tuple[int, Flags, bool, str], Mask] = {}
    out: dict[str, list[Any]] = {"case_id": [], "action": [], "hour_mask": [], "rule": []}
    wanted = cases.select(
        "case_id", "history", "exhaustive", "debtor_id", "creditor_id", "time_zone", "first_account", "group"
    )
    for case_id, recent, exhaustive, debtor, creditor, zone, account, group in wanted.iter_rows():
        if zone not in hours_of:
            hours_of[zone] = day_hours(portfolio.day, zone, portfolio.now)
        hours = hours_of[zone]
        own = history.get(party_id(debtor), [])
        pack = infos[creditor].pack
        flags = facts[debtor].flags
        # Times designated in another placement of the person reach this case through the merged facts.
        if facts[debtor].inconvenient_times and pack.enabled("designated-inconvenient-time"):
            exhaustive = True
        account, owed = accounts_of[case_id]
        debt = replace(case_debt(account, debts.get(case_id, ())), disputed=owed)
        for action, channel in ACTION_CHANNELS.items():
            call = channel is Channel.CALL
            if exhaustive:
                subject = _Subject(_maker(debtor, facts[debtor], channel, account, debt), own, pack)
                mask, rule = exhaustive_mask(subject, hours, portfolio.day)
            elif recent:
                subject = _Subject(_maker(debtor, facts[debtor], channel, account, debt), own, pack)
                mask, rule = _case_mask(subject, hours, group_masks[(group, action)], call)
            else:
                key = (group, flags, owed, action)
                if key not in by_flags:
                    template = groups[group].facts
                    alike = DebtorFacts(template.phones, template.address, template.time_zone, (), flags)
                    subject = _Subject(
                        _maker(0, alike, channel, 0, Debt(debt_id(0), disputed=owed)), (), pack
                    )
                    by_flags[key] = _case_mask(subject, hours, group_masks[(group, action)], call)
                mask, rule = by_flags[key]
            out["case_id"].append(case_id)
            out["action"].append(action)
            out["hour_mask"].append(mask)
            out["rule"].append(rule)
    return pl.DataFrame(out, schema=ALLOWED_SCHEMA)


def _collected_accounts(
    conn: Connection, cases: Iterable[tuple[int, int, int]]
) -> dict[int, tuple[int, bool]]:
    """For each (case, debtor, first open account): the account the plan's contact is about and whether
    a dispute stops its collection (`collectible_account` over the case's open accounts)."""
    rows = list(cases)
    disputed = disputed_accounts(conn, [debtor for _c, debtor, _a in rows])
    out = {case: (account, False) for case, debtor, account in rows if debtor not in disputed}
    pending = [case for case, debtor, _a in rows if debtor in disputed]
    a = t.accounts.c
    owned: dict[int, list[int]] = {}
    for chunk in _chunks(pending):
        query = (
            select(a.case_id, a.id)
            .where(a.case_id.in_(chunk), a.status == "open", a.balance > 0)
            .order_by(a.id)
        )
        for row in _rows(conn, query):
            owned.setdefault(row.case_id, []).append(int(row.id))
    for case, debtor, account in rows:
        if debtor in disputed:
            out[case] = collectible_account(owned.get(case) or [account], disputed[debtor])
    return out


def _case_debts(conn: Connection, case_ids: Sequence[int], day: date) -> dict[int, list[Debt]]:
    """The stored debt facts of each case's open accounts (every account when none is open)."""
    a = t.accounts.c
    rows: list[Any] = []
    for chunk in _chunks(sorted({int(c) for c in case_ids})):
        rows.extend(_rows(conn, select(a.id, a.case_id, a.status).where(a.case_id.in_(chunk)).order_by(a.id)))
    facts = debt_facts(conn, [r.id for r in rows], day)
    by_case: dict[int, list[Any]] = {}
    for r in rows:
        by_case.setdefault(r.case_id, []).append(r)
    out: dict[int, list[Debt]] = {}
    for case_id, accounts in by_case.items():
        chosen = [r for r in accounts if r.status == "open"] or accounts
        out[case_id] = [facts[r.id] for r in chosen]
    return out


def _unvalidated(debts: dict[int, list[Debt]], case_id: int) -> bool:
    return any(d.validation_sent is False for d in debts.get(case_id, ()))


def _awaiting_validation(conn: Connection, portfolio: Portfolio, infos: dict[int, _PackInfo]) -> set[int]:
    """The plannable cases under a pack that enables validation-notice, with an open account whose notice
    is not recorded as mailed, that someone has communicated with (else the rule cannot block)."""
    creditors = [cid for cid, info in infos.items() if info.pack.enabled("validation-notice")]
    if not creditors:
        return set()
    a, i, m = t.accounts.c, t.interactions.c, t.messages.c
    wanted = set(portfolio.cases.get_column("case_id").to_list())
    waiting = {
        r.case_id
        for r in _rows(
            conn,
            select(a.case_id).where(
                a.creditor_id.in_(creditors), a.status == "open", a.validation_mailed_on.is_(None)
            ),
        )
        if r.case_id in wanted
    }
    if not waiting:
        return set()
    spoken: set[int] = set()
    for chunk in _chunks(sorted(waiting)):
        spoken |= {r.case_id for r in _rows(conn, select(i.case_id).where(i.case_id.in_(chunk)).distinct())}
        spoken |= {
            r.case_id
            for r in _rows(
                conn, select(m.case_id).where(m.case_id.in_(chunk), m.sent_at.is_not(None)).distinct()
            )
        }
    return waiting & spoken


def plan_violations(
    plan: pl.DataFrame, allowed: pl.DataFrame, cases: pl.DataFrame, day: date, now: datetime | None = None
) -> pl.DataFrame:
    """The planned contacts the gate's hours do not allow (an empty frame when every one is allowed).

    A contact with a time must start on the plan day, in an hour of its action's mask (local to the
    case's scheduling zone), and not before `now` (the masks say nothing of the past); one without a
    time (a letter) needs a mask with some hour. A contact with no row in `allowed` is not allowed.
    """
    contacts = (
        plan.filter(pl.col("action") != "none")
        .select("case_id", "action", "slot_start")
        .join(cases.select("case_id", "time_zone"), on="case_id", how="left")
        .join(allowed.select("case_id", "action", "hour_mask"), on=["case_id", "action"], how="left")
        .with_columns(pl.col("hour_mask").fill_null(0).cast(pl.Int64), pl.col("time_zone").fill_null("UTC"))
    )
    if contacts.height == 0:
        return contacts
    parts = []
    for (zone,), part in contacts.partition_by("time_zone", as_dict=True).items():
        local = pl.col("slot_start").dt.convert_time_zone(str(zone))
        parts.append(
            part.with_columns(local.dt.date().alias("_date"), local.dt.hour().cast(pl.Int64).alias("_hour"))
        )
    checked = pl.concat(parts)
    in_mask = (pl.col("hour_mask") // pl.lit(2, dtype=pl.Int64).pow(pl.col("_hour"))) % 2 == 1
    on_time = pl.lit(True) if now is None else pl.col("slot_start") >= pl.lit(now.astimezone(UTC))
    ok = (
        pl.when(pl.col("slot_start").is_null())
        .then(pl.col("hour_mask") > 0)
        .otherwise((pl.col("_date") == day) & in_mask & on_time)
    )
    return checked.filter(~ok.fill_null(False)).drop("_date", "_hour").sort("case_id")


def reference_allowed(conn: Connection, portfolio: Portfolio) -> pl.DataFrame:
    """The specification: the gate asked about every case, action and hour, with no grouping at all."""
    cases = portfolio.cases.select("case_id", "debtor_id", "creditor_id", "time_zone", "first_account")
    debtors = cases.get_column("debtor_id").to_list()
    facts = debtor_facts(conn, debtors)
    history = gate_history(conn, debtors, until=portfolio.now)
    packs = {cid: creditor_pack(c["pack"], c["pack_overrides"]) for cid, c in portfolio.creditors.items()}
    accounts_of = _collected_accounts(conn, cases.select("case_id", "debtor_id", "first_account").iter_rows())
    debts = _case_debts(conn, cases.get_column("case_id").to_list(), portfolio.day)
    out: dict[str, list[Any]] = {"case_id": [], "action": [], "hour_mask": [], "rule": []}
    for case_id, debtor, creditor, zone, _first in cases.iter_rows():
        hours = day_hours(portfolio.day, zone, portfolio.now)
        account, owed = accounts_of[case_id]
        debt = replace(case_debt(account, debts.get(case_id, ())), disputed=owed)
        for action, channel in ACTION_CHANNELS.items():
            own = history.get(party_id(debtor), [])
            maker = _maker(debtor, facts[debtor], channel, account, debt)
            subject = _Subject(maker, own, packs[creditor], compiled=False)
            mask, rule = exhaustive_mask(subject, hours, portfolio.day)
            out["case_id"].append(case_id)
            out["action"].append(action)
            out["hour_mask"].append(mask)
            out["rule"].append(rule)
    return pl.DataFrame(out, schema=ALLOWED_SCHEMA).sort("case_id", "action")


__all__ = [
    "ACTION_CHANNELS",
    "allowed_frame",
    "contact_request",
    "creditor_pack",
    "day_hours",
    "case_debt",
    "debt_facts",
    "debt_id",
    "debtor_facts",
    "disputed_accounts",
    "exhaustive_mask",
    "gate_history",
    "party_id",
    "person_siblings",
    "plan_violations",
    "reference_allowed",
]
