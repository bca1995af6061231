"""The one door to the compliance gate for a case: what it needs is read in one place (`GateInputs`) and
the question is asked through one function (`ask`), by the contact paths (services/contacts.py), the
outbox, the field visits and the case page's verdict per contact point (services/case_points.py).

The facts and the history come from the same readers as the daily plan's (services/gate_inputs.py), so a
contact is judged the same way wherever it is asked about. A case with several accounts is asked about
each open one (else every one), and the strictest answer holds (`combine_verdicts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.compliance import Decision, HistoryEvent, Pack, Request, decide, decision_to_dict
from huikuan.compliance.model import Debt, DebtorFacts, Party, Purpose, Role, SafeHarbour
from huikuan.domain.enums import Channel
from huikuan.errors import NotFound
from huikuan.services.clock import floor_today
from huikuan.services.gate_inputs import debt_facts, debtor_facts, gate_history, histories_by_debtor
from huikuan.storage import tables as t
from huikuan.storage.gate_inputs import disputed_accounts
from huikuan.storage.membership import one_of
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack, debt_id, party_id

_NEVER = datetime.min.replace(tzinfo=UTC)
PHONE_KINDS = ("mobile", "landline")
# A contact point with one of these statuses is not offered or used: it is not the person's, it no longer
# works, or the person asked that it not be used.
UNUSABLE = ("do_not_contact", "wrong_party", "disconnected")
WORK = "work"  # contact_points.place of a point that reaches the person at their place of employment


@dataclass(frozen=True)
class Verdict:
    """The gate's answer for a contact about a whole case (every open account must allow it)."""

    allowed: bool
    decision: dict[str, Any]  # the decision JSON of compliance.md, with its id
    refused_by: tuple[str, ...]


@dataclass(frozen=True)
class GateInputs:
    """What the gate needs about a case, read once for every question about it."""

    case_id: int
    debtor_id: int
    pack: Pack
    facts: DebtorFacts
    history: tuple[HistoryEvent, ...]
    accounts: tuple[int, ...]  # the open accounts, else every account
    party_roles: dict[int, str]
    party_phones: dict[int, tuple[str, ...]]
    disputed: frozenset[int] = frozenset()  # accounts whose collection an open dispute stops
    debts: dict[int, Debt] = field(default_factory=dict)  # the accounts' stored facts (services.gate_inputs)


def gate_inputs(
    uow: UnitOfWork,
    case_id: int,
    debtor_id: int,
    pack: Pack,
    accounts: Sequence[tuple[int, str]],
    parties: Sequence[tuple[int, str]],
    phones: Sequence[tuple[int, str]],
) -> GateInputs:
    """The inputs from what the caller has read already: the case's (account id, status) in id order,
    its parties' (id, role), and the parties' phone numbers (party id, number)."""
    conn = uow.session.connection()
    facts = debtor_facts(conn, [debtor_id])[debtor_id]
    disputed = disputed_accounts(conn, [debtor_id]).get(debtor_id, frozenset())
    history = sorted(
        (e for events in gate_history(conn, [debtor_id]).values() for e in events), key=lambda e: e.at
    )
    open_ids = [acc for acc, status in accounts if status == "open"] or [acc for acc, _s in accounts]
    numbers: dict[int, list[str]] = {}
    for party, number in phones:
        numbers.setdefault(party, []).append(number)
    return GateInputs(
        case_id=case_id,
        debtor_id=debtor_id,
        pack=pack,
        facts=facts,
        history=tuple(history),
        accounts=tuple(open_ids),
        party_roles=dict(parties),
        party_phones={pid: tuple(sorted(values)) for pid, values in numbers.items()},
        disputed=disputed,
        debts=debt_facts(conn, open_ids, floor_today()),
    )


def read_gate_inputs(uow: UnitOfWork, case_id: int) -> GateInputs:
    """The inputs of a case, read from the database (NotFound for an unknown case)."""
    c, cr, a, p, cp = t.cases.c, t.creditors.c, t.accounts.c, t.parties.c, t.contact_points.c
    case = uow.session.execute(
        select(c.debtor_id, cr.pack, cr.pack_overrides)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one_or_none()
    if case is None:
        raise NotFound("no case {case_id}", case_id=case_id)
    accounts = uow.session.execute(select(a.id, a.status).where(a.case_id == case_id).order_by(a.id)).all()
    parties = uow.session.execute(select(p.id, p.role).where(p.debtor_id == case.debtor_id)).all()
    phones = uow.session.execute(
        select(cp.party_id, cp.value).where(
            cp.debtor_id == case.debtor_id, cp.party_id.is_not(None), cp.kind.in_(PHONE_KINDS)
        )
    ).all()
    pack = creditor_pack(case.pack, case.pack_overrides)
    return gate_inputs(
        uow,
        case_id,
        case.debtor_id,
        pack,
        [(r.id, r.status) for r in accounts],
        [(r.id, r.role) for r in parties],
        [(r.party_id, r.value) for r in phones],
    )


def read_gate_inputs_many(uow: UnitOfWork, case_ids: Sequence[int]) -> dict[int, GateInputs]:
    """`read_gate_inputs` of each of these cases, read at once (a job's batch); an unknown case is omitted."""
    c, cr, a, p, cp = t.cases.c, t.creditors.c, t.accounts.c, t.parties.c, t.contact_points.c
    conn = uow.session.connection()
    ids = sorted(set(case_ids))
    cases = conn.execute(
        select(c.id, c.debtor_id, c.creditor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(one_of(c.id, ids))
    ).all()
    creditors = select(cr.id, cr.pack, cr.pack_overrides).where(one_of(cr.id, {r.creditor_id for r in cases}))
    packs = {r.id: creditor_pack(r.pack, r.pack_overrides) for r in conn.execute(creditors)}
    debtors = sorted({r.debtor_id for r in cases})
    accounts: dict[int, list[tuple[int, str]]] = {}
    for r in conn.execute(select(a.case_id, a.id, a.status).where(one_of(a.case_id, ids)).order_by(a.id)):
        accounts.setdefault(r.case_id, []).append((r.id, r.status))
    roles: dict[int, dict[int, str]] = {}
    for r in conn.execute(select(p.debtor_id, p.id, p.role).where(one_of(p.debtor_id, debtors))):
        roles.setdefault(r.debtor_id, {})[r.id] = r.role
    numbers: dict[int, dict[int, list[str]]] = {}
    phones = select(cp.debtor_id, cp.party_id, cp.value).where(
        one_of(cp.debtor_id, debtors), cp.party_id.is_not(None), cp.kind.in_(PHONE_KINDS)
    )
    for r in conn.execute(phones):
        numbers.setdefault(r.debtor_id, {}).setdefault(r.party_id, []).append(r.value)
    facts = debtor_facts(conn, debtors)
    disputed = disputed_accounts(conn, debtors)
    histories = histories_by_debtor(conn, debtors)
    open_of = {
        case_id: [acc for acc, status in accs if status == "open"] or [acc for acc, _s in accs]
        for case_id, accs in accounts.items()
    }
    debts = debt_facts(conn, [acc for accs in open_of.values() for acc in accs], floor_today())
    out: dict[int, GateInputs] = {}
    for case in cases:
        open_ids = open_of.get(case.id, [])
        events = histories[case.debtor_id].values()
        out[case.id] = GateInputs(
            case_id=case.id,
            debtor_id=case.debtor_id,
            pack=packs[case.creditor_id],
            facts=facts[case.debtor_id],
            history=tuple(sorted((e for evs in events for e in evs), key=lambda e: e.at)),
            accounts=tuple(open_ids),
            party_roles=roles.get(case.debtor_id, {}),
            party_phones={pid: tuple(sorted(v)) for pid, v in numbers.get(case.debtor_id, {}).items()},
            disputed=disputed.get(case.debtor_id, frozenset()),
            debts={acc: debts[acc] for acc in open_ids if acc in debts},
        )
    return out


def who(
    inputs: GateInputs,
    party: int | None,
    to: str | None,
    *,
    workplace: bool = False,
    express_consent: bool = False,
    safe_harbour: SafeHarbour | None = None,
) -> Party:
    """The person contacted: the debtor, or one of its related parties (NotFound for another's);
    `workplace` when the contact reaches them at their place of employment (a point marked "work");
    `express_consent` when the point carries their prior express consent (contact_points.consent);
    `safe_harbour` why an e-mail or text may go to it (services/safe_harbour.py)."""
    if party is None:
        return Party(
            party_id(inputs.debtor_id),
            Role.DEBTOR,
            to=to,
            workplace=workplace,
            express_consent=express_consent,
            safe_harbour=safe_harbour,
        )
    if party not in inputs.party_roles:
        raise NotFound("no related party {party} of this debtor", party=party)
    return Party(
        f"P{party}",
        Role(inputs.party_roles[party]),
        to=to,
        phones=inputs.party_phones.get(party, ()),
        workplace=workplace,
        express_consent=express_consent,
        safe_harbour=safe_harbour,
    )


def ask(
    inputs: GateInputs,
    *,
    channel: Channel,
    party: int | None,
    to: str | None,
    at: datetime,
    purpose: Purpose | None = None,
    account: int | None = None,
    workplace: bool = False,
    automated: bool = False,
    express_consent: bool = False,
    safe_harbour: SafeHarbour | None = None,
) -> tuple[Verdict, list[Request]]:
    """May this contact happen at `at`? The combined verdict over the case's accounts, and the requests
    asked (`case_requests`)."""
    requests = case_requests(
        inputs,
        channel=channel,
        party=party,
        to=to,
        at=at,
        purpose=purpose,
        account=account,
        workplace=workplace,
        automated=automated,
        express_consent=express_consent,
        safe_harbour=safe_harbour,
    )
    return combine_verdicts([decide(r, inputs.history, inputs.pack) for r in requests]), requests


def allows(inputs: GateInputs, *, channel: Channel, party: int | None, at: datetime) -> bool:
    """Whether the gate allows this contact at `at`: `ask`'s question, answered yes or no alone (no
    decision JSON), for a caller that asks many (the demo's history)."""
    requests = case_requests(inputs, channel=channel, party=party, to=None, at=at)
    return all(decide(r, inputs.history, inputs.pack).allowed for r in requests)


def case_requests(
    inputs: GateInputs,
    *,
    channel: Channel,
    party: int | None,
    to: str | None,
    at: datetime,
    purpose: Purpose | None = None,
    account: int | None = None,
    workplace: bool = False,
    automated: bool = False,
    express_consent: bool = False,
    safe_harbour: SafeHarbour | None = None,
) -> list[Request]:
    """The requests a contact with the case is asked as, one per account it is about (`about`). Without a
    `purpose`, a related party who is not liable may only be asked to help reach the debtor.

    The contact is about the accounts no open dispute stops (a disputed account is not collected, the
    others may be); when every one is disputed it is asked about them, and the gate refuses. With
    `account`, it is asked about that account alone."""
    person = who(
        inputs, party, to, workplace=workplace, express_consent=express_consent, safe_harbour=safe_harbour
    )
    goal = purpose or (
        Purpose.COLLECT if person.role in inputs.pack.settings.collect_roles else Purpose.LOCATE
    )
    when = at.astimezone(UTC)
    requests = [
        Request(
            when,
            channel,
            goal,
            person,
            inputs.facts,
            replace(inputs.debts.get(acc) or Debt(debt_id(acc)), disputed=acc in inputs.disputed),
            automated=automated,
        )
        for acc in about(inputs, account)
    ]
    if not requests:
        raise NotFound("case {case_id} has no accounts", case_id=inputs.case_id)
    return requests


def about(inputs: GateInputs, account: int | None = None) -> tuple[int, ...]:
    """The accounts a contact is about: `account` alone, else those no dispute stops, else all."""
    if account is not None:
        if account not in inputs.accounts:
            raise NotFound("no account {account} in this case", account=account)
        return (account,)
    free = tuple(acc for acc in inputs.accounts if acc not in inputs.disputed)
    return free or inputs.accounts


def combine_verdicts(decisions: list[Decision]) -> Verdict:
    """The strictest of the per-account decisions: refused if any refuses, allowed again when all allow."""
    refused = [d for d in decisions if not d.allowed]
    if not refused:
        return Verdict(True, decision_to_dict(decisions[0]), ())
    never = [d for d in refused if d.next_allowed_at is None]
    worst = never[0] if never else max(refused, key=lambda d: d.next_allowed_at or _NEVER)
    rules = tuple(dict.fromkeys(v.rule for d in refused for v in d.violations))
    return Verdict(False, decision_to_dict(worst), rules)
