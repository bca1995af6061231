"""The demo's history asks the real compliance gate before every contact it makes: whether the hour, the
contacts made so far and the person contacted allow it, exactly as a collector's contact is asked
(services/gate.py's `allows`: `ask`'s requests, with the case's `GateInputs`). No contact rule is coded
in the demo.

The case's inputs are read once after the import (`read_case_gates`: the debtors' stored facts through
services/gate_inputs.py, the creditor's pack, the related parties' roles and phones); the history grows as
the demo records contacts, each read into the gate's events the way stored interactions are
(strategy/gate_facts.py's `history_from_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Connection, select

from huikuan.compliance import HistoryEvent
from huikuan.domain.enums import Channel, Direction, Outcome
from huikuan.services.gate import PHONE_KINDS, GateInputs, allows
from huikuan.services.gate_inputs import debt_facts, debtor_facts
from huikuan.storage import tables as t
from huikuan.strategy.gate_facts import creditor_pack, history_from_rows


@dataclass(frozen=True)
class _Contact:
    """A recorded contact as the gate's history reader reads a stored interaction."""

    case_id: int
    debtor_id: int
    party_id: int | None
    role: str | None
    at: datetime
    channel: str
    direction: str
    outcome: str


@dataclass
class CaseGate:
    """One case's door to the gate: its inputs and the contacts recorded so far."""

    inputs: GateInputs
    events: list[HistoryEvent] = field(default_factory=list)

    def allows(self, at: datetime, channel: Channel, party: int | None = None) -> bool:
        """Whether the gate allows this outbound contact (with the debtor, or with related `party`)."""
        return allows(replace(self.inputs, history=tuple(self.events)), channel=channel, party=party, at=at)

    def notice_mailed(self) -> None:
        """The validation notice of the case's accounts went out (as services/notices.py records it)."""
        self.inputs = replace(
            self.inputs, debts={k: replace(v, validation_sent=True) for k, v in self.inputs.debts.items()}
        )

    def made(
        self, at: datetime, channel: Channel, direction: Direction, outcome: Outcome, party: int | None
    ) -> None:
        """A contact recorded: it joins the history the next questions are asked with."""
        inputs = self.inputs
        role = inputs.party_roles.get(party) if party is not None else None
        row = _Contact(
            inputs.case_id, inputs.debtor_id, party, role, at, channel.value, direction.value, outcome.value
        )
        for events in history_from_rows([row], {inputs.case_id: inputs.accounts}).values():
            self.events.extend(events)


def read_case_gates(
    conn: Connection, creditor_ids: Sequence[int], cases: Iterable[tuple[int, int, list[int]]], today: date
) -> dict[int, CaseGate]:
    """Each case's door (case id, debtor id, its account ids; of the creditors `creditor_ids`), with no
    history yet: the debtors' and the accounts' stored facts (no validation notice mailed yet), their
    creditor's pack, their related parties' roles and phone numbers."""
    rows = list(cases)
    facts = debtor_facts(conn, [debtor for _case, debtor, _accounts in rows])
    debts = debt_facts(conn, [a for _case, _debtor, accounts in rows for a in accounts], today)
    d, cr, p, cp = t.debtors.c, t.creditors.c, t.parties.c, t.contact_points.c
    theirs = d.creditor_id.in_(list(creditor_ids))
    packs = {
        row.id: creditor_pack(row.pack, row.pack_overrides)
        for row in conn.execute(
            select(d.id, cr.pack, cr.pack_overrides).join(t.creditors, cr.id == d.creditor_id).where(theirs)
        )
    }
    roles: dict[int, dict[int, str]] = {}
    for party, debtor, role in conn.execute(
        select(p.id, p.debtor_id, p.role).join(t.debtors, d.id == p.debtor_id).where(theirs)
    ):
        roles.setdefault(debtor, {})[party] = role
    phones: dict[int, dict[int, list[str]]] = {}
    numbers = (
        select(cp.party_id, cp.debtor_id, cp.value)
        .join(t.debtors, d.id == cp.debtor_id)
        .where(theirs, cp.party_id.is_not(None), cp.kind.in_(PHONE_KINDS))
    )
    for party, debtor, number in conn.execute(numbers):
        phones.setdefault(debtor, {}).setdefault(party, []).append(number)
    return {
        case: CaseGate(
            GateInputs(
                case_id=case,
                debtor_id=debtor,
                pack=packs[debtor],
                facts=facts[debtor],
                history=(),
                accounts=tuple(accounts),
                party_roles=roles.get(debtor, {}),
                party_phones={k: tuple(sorted(v)) for k, v in phones.get(debtor, {}).items()},
                debts={a: debts[a] for a in accounts},
            )
        )
        for case, debtor, accounts in rows
    }


__all__ = ["CaseGate", "read_case_gates"]
