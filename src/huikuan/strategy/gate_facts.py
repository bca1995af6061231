"""The gate's inputs read from stored rows, the same way for the plan and for a collector's workbench: a
debtor's facts (DebtorFacts), an account's (Debt), the contacts made (HistoryEvent), a creditor's pack.

The rows come from storage/gate_inputs.py (DebtorRow, AccountRow, ContactRow: any object with their
attributes will do); services/gate_inputs.py reads them and calls these. The party id of a debtor is
"D<debtor id>", of a related party "P<party id>"; debts are "A<account id>" and an interaction concerns
every account of its case; a conversation outcome (CONVERSATION_OUTCOMES) is the gate's "conversation",
`refused_by_gate` never happened, other outcomes keep their names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import available_timezones

from huikuan.compliance import HistoryEvent, Pack, Request, load_pack
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
from huikuan.compliance.person import merge_person_facts
from huikuan.domain.enums import CONVERSATION_OUTCOMES, Channel, Direction

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


def collectible_account(accounts: Sequence[int], disputed: frozenset[int]) -> tuple[int, bool]:
    """The account a collection contact is about: the first one no dispute stops, else the first (which
    the gate then refuses as disputed)."""
    free = [acc for acc in accounts if acc not in disputed]
    if free:
        return free[0], False
    return accounts[0], True


def debts_from_rows(rows: Iterable[Any], today: date) -> dict[int, Debt]:
    """What the gate knows of each account from its stored facts (AccountRow): time-barred from its
    limitation date on; the validation notice sent when its mailing is recorded, not sent (False) when the
    creditor's pack enables the validation-notice rule and none is recorded, else unknown (None)."""
    out: dict[int, Debt] = {}
    packs: dict[int, Pack] = {}
    for row in rows:
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


def person_facts(
    ids: Sequence[int], own: Mapping[int, DebtorFacts], siblings: Mapping[int, tuple[int, ...]]
) -> dict[int, DebtorFacts]:
    """What the gate knows of each debtor: its own facts, tightened by those of the other debtors of the
    same person (compliance.person.merge_person_facts), whose statements and holds bind it."""
    return {
        did: merge_person_facts(own[did], [own[s] for s in siblings.get(did, ()) if s in own])
        for did in ids
        if did in own
    }


def facts_from_row(row: Any) -> DebtorFacts:
    """What the gate knows of a debtor from its stored row (DebtorRow): own phone numbers, address, zone,
    designated times and places, flags, open holds (in the contract's order: kind, then end).

    A zone that is not a real IANA zone is dropped (the phones and address still place the debtor); a
    designated inconvenient time that cannot be read counts as the whole day (fail closed).
    """
    holds = [Hold(GATE_HOLDS[kind], ends_at) for kind, ends_at in row.holds]
    return DebtorFacts(
        phones=tuple(sorted(set(row.phones))),
        address=stored_address(row.address_country, row.address_region),
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
            holds=tuple(sorted(holds, key=lambda x: (x.kind.value, x.until_ts or 0))),
        ),
    )


def history_from_rows(
    rows: Iterable[Any], accounts: Mapping[int, Sequence[int]]
) -> dict[str, list[HistoryEvent]]:
    """The contacts made (ContactRow) as the gate's history, by party id, oldest first.

    The debtor's own events are under "D<debtor id>", a related party's under "P<party id>" with its
    role; each event concerns every account of its case (`accounts`: a case's account ids, in order).
    """
    history: dict[str, list[HistoryEvent]] = {}
    debts: dict[int, tuple[str, ...]] = {}  # a case's debt ids, made once for all its events
    for r in sorted(rows, key=lambda r: r.at):
        if r.case_id not in debts:
            debts[r.case_id] = tuple(debt_id(a) for a in accounts.get(r.case_id, ()))
        event = _event(r, debts[r.case_id])
        if event is not None:
            history.setdefault(event.party_id, []).append(event)
    return history


def person_history(
    history: dict[str, list[HistoryEvent]],
    others: Mapping[str, list[HistoryEvent]],
    siblings: Mapping[int, tuple[int, ...]],
    asked: set[int],
) -> dict[str, list[HistoryEvent]]:
    """`history` (of the debtors `asked` about), with the contacts with each linked debtor's person made on
    behalf of the other creditors (the siblings' own history: in `history`, else in `others`) under the
    debtor's party id: the person is one party, so the rules that count per person (daily-call-cap) count
    them; each keeps the debts of its own case, so the rules that count per debt do not."""
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


def stored_address(country: str | None, region: str | None) -> Address | None:
    """The address the gate places a debtor by, from the stored country and region (None: neither)."""
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


__all__ = [
    "GATE_HOLDS",
    "case_debt",
    "collectible_account",
    "contact_request",
    "creditor_pack",
    "debt_id",
    "debts_from_rows",
    "facts_from_row",
    "history_from_rows",
    "party_id",
    "person_facts",
    "person_history",
    "stored_address",
]
