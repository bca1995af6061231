"""The compliance replay: every recorded contact of a case asked about again, as the gate knew it then.

Each outbound contact of a case (an interaction, a message that went out), read as the gate's history
reads it (services.gate_inputs.gate_history: the same party, channel and instant), is put to the gate again
through the one door (services/gate.ask) with:

- the debtor's facts as they stood just before that instant (`fact_history.facts_at`; the current facts
  when no change of them was ever recorded): a change the contact itself brought about, such as a
  dispute raised on the call, is valid from the contact's own instant and does not judge it,
- the history before that instant (every contact with the debtor and its related parties, the contact
  itself left out),
- the creditor's pack as it is now, and every account of the case.

A contact the gate refuses on that re-run is reported with its rules, their messages and the decision id
it was recorded with, and the re-run's decision id. Inbound contacts are not asked about (the gate governs
what we start) but count in the history. Contacts refused at the time (`refused_by_gate`) never happened
and are not replayed. `replay_case` answers for one case, `replay_all` goes over every case in id order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from huikuan.compliance import HistoryEvent
from huikuan.domain.enums import Channel
from huikuan.errors import NotFound
from huikuan.services.fact_history import facts_at
from huikuan.services.gate import GateInputs, ask, read_gate_inputs
from huikuan.services.gate_inputs import gate_history
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

_CHANNELS = {c.value: c for c in Channel}
_CHUNK = 200
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Contact:
    """A recorded outbound contact: an interaction or a message that went out."""

    kind: str  # "interaction" or "message"
    id: int
    at: datetime
    channel: str
    party_id: int | None
    to: str | None
    decision_id: str | None  # the decision it was made with


@dataclass(frozen=True)
class Replayed:
    contact: Contact
    allowed: bool
    rules: tuple[str, ...]
    violations: tuple[dict[str, str], ...]  # rule and message
    decision_id: str  # the re-run's
    facts_version: int | None  # the version of the facts it was asked with (None: the current facts)

    def to_dict(self) -> dict[str, Any]:
        c = self.contact
        return {
            "kind": c.kind,
            "id": c.id,
            "at": c.at.astimezone(UTC).isoformat(),
            "channel": c.channel,
            "party_id": c.party_id,
            "recorded_decision_id": c.decision_id,
            "allowed": self.allowed,
            "rules": list(self.rules),
            "violations": [dict(v) for v in self.violations],
            "decision_id": self.decision_id,
            "facts_version": self.facts_version,
        }


@dataclass
class CaseReplay:
    case_id: int
    pack: str
    pack_version: str
    contacts: list[Replayed] = field(default_factory=list)

    @property
    def refused(self) -> list[Replayed]:
        return [r for r in self.contacts if not r.allowed]

    def to_dict(self, *, every: bool = False) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "pack": self.pack,
            "pack_version": self.pack_version,
            "contacts": len(self.contacts),
            "refused": [r.to_dict() for r in self.refused],
            **({"replayed": [r.to_dict() for r in self.contacts]} if every else {}),
        }


def contacts_of(uow: UnitOfWork, case_id: int) -> list[Contact]:
    """The case's outbound contacts that happened, oldest first."""
    i, m, cp = t.interactions.c, t.messages.c, t.contact_points.c
    found: list[Contact] = []
    rows = uow.session.execute(
        select(i.id, i.at, i.channel, i.party_id, i.decision_id, cp.value)
        .select_from(t.interactions.outerjoin(t.contact_points, cp.id == i.contact_point_id))
        .where(i.case_id == case_id, i.direction == "outbound", i.outcome != "refused_by_gate")
    )
    for r in rows:
        found.append(
            Contact("interaction", r.id, r.at, r.channel, r.party_id, r.value or None, r.decision_id)
        )
    sent = uow.session.execute(
        select(m.id, m.sent_at, m.channel, m.party_id, m.decision_id, m.to).where(
            m.case_id == case_id, m.status.in_(("sent", "delivered")), m.sent_at.is_not(None)
        )
    )
    for r in sent:
        found.append(Contact("message", r.id, r.sent_at, r.channel, r.party_id, r.to or None, r.decision_id))
    return sorted(found, key=lambda c: (c.at, c.kind, c.id))


def replay_case(uow: UnitOfWork, case_id: int) -> CaseReplay:
    """Every outbound contact of the case asked about again (NotFound for an unknown case)."""
    base = read_gate_inputs(uow, case_id)
    a = t.accounts.c
    every = tuple(uow.session.execute(select(a.id).where(a.case_id == case_id).order_by(a.id)).scalars())
    inputs = replace(base, accounts=every or base.accounts)
    conn = uow.session.connection()
    history = sorted(
        (e for events in gate_history(conn, [base.debtor_id]).values() for e in events), key=lambda e: e.at
    )
    versions = _version_starts(uow, base.debtor_id)
    result = CaseReplay(case_id, inputs.pack.name, inputs.pack.version)
    if not inputs.accounts:
        return result  # no account, no debt to collect: nothing the gate could be asked about
    for contact in contacts_of(uow, case_id):
        result.contacts.append(_replay_one(uow, inputs, history, versions, contact))
    return result


def _replay_one(
    uow: UnitOfWork,
    inputs: GateInputs,
    history: list[HistoryEvent],
    versions: list[tuple[datetime, int]],
    contact: Contact,
) -> Replayed:
    at = contact.at.astimezone(UTC)
    # The facts known when the gate was asked, just before the contact: a change the contact itself
    # brought about (a dispute raised on the call) is valid from the contact's own instant.
    known = at - _JUST_BEFORE
    then = facts_at(uow.session.connection(), inputs.debtor_id, known)
    version = next((vid for start, vid in reversed(versions) if start <= known), None)
    before = tuple(e for e in history if e.at < at)
    asked = replace(inputs, facts=then or inputs.facts, history=before)
    channel = _CHANNELS.get(contact.channel)
    if channel is None:
        raise NotFound("no channel {channel}", channel=contact.channel)
    try:
        verdict, _requests = ask(asked, channel=channel, party=contact.party_id, to=contact.to, at=at)
    except NotFound:  # a related party that is no longer the debtor's: asked about as the debtor's contact
        verdict, _requests = ask(asked, channel=channel, party=None, to=contact.to, at=at)
    violations = tuple(
        {"rule": str(v.get("rule")), "message": str(v.get("message"))}
        for v in verdict.decision.get("violations", [])
    )
    return Replayed(
        contact,
        verdict.allowed,
        verdict.refused_by,
        violations,
        str(verdict.decision.get("id")),
        version if then is not None else None,
    )


def _version_starts(uow: UnitOfWork, debtor_id: int) -> list[tuple[datetime, int]]:
    v = t.fact_versions.c
    rows = uow.session.execute(
        select(v.valid_from, v.id).where(v.debtor_id == debtor_id).order_by(v.valid_from, v.id)
    )
    return [(r.valid_from.astimezone(UTC), int(r.id)) for r in rows]


def replay_all(
    uow: UnitOfWork, *, progress: Callable[[int, int], None] | None = None
) -> Iterator[CaseReplay]:
    """Every case replayed in id order, one at a time (the caller may stream the results); `progress`
    is told (done, total) after each case."""
    c = t.cases.c
    ids = [int(x) for x in uow.session.execute(select(c.id).order_by(c.id)).scalars()]
    for n, case_id in enumerate(ids, start=1):
        yield replay_case(uow, case_id)
        if n % _CHUNK == 0:
            uow.rollback()  # end the read transaction now and then: a long run holds no snapshot
        if progress is not None:
            progress(n, len(ids))
