"""Every outbound contact passes the compliance gate before it happens: calls, visits and messages.

`check_contact` asks the gate about a contact with a case's debtor or one of its related parties, from
the stored facts and history (the same request building as the daily plan: strategy.gating).
`record_contact` records a contact as made only when the gate allowed it at that instant; a refused
contact is not made, and the refusal is kept as an audit event (who, when, what, which rule).
`queue_message` puts an SMS, email, WeChat message or letter in the outbox on the same terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.compliance import Decision, Request, decide, decision_to_dict
from huikuan.compliance.model import Channel, Debt, Party, Purpose, Role
from huikuan.domain.enums import CaseStage, Direction, Outcome
from huikuan.errors import ComplianceRefused, InvalidInput, NotFound
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gating import creditor_pack, debt_id, debtor_facts, gate_history, party_id

MESSAGE_CHANNELS = ("sms", "email", "wechat", "letter")
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Verdict:
    """The gate's answer for a contact about a whole case (every open account must allow it)."""

    allowed: bool
    decision: dict[str, Any]  # the decision JSON of compliance.md, with its id
    refused_by: tuple[str, ...]


def _case(uow: UnitOfWork, case_id: int) -> Any:
    c, cr = t.cases.c, t.creditors.c
    row = uow.session.execute(
        select(c.id, c.debtor_id, c.creditor_id, cr.pack, cr.pack_overrides)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return row


def _party(uow: UnitOfWork, debtor_id: int, party: int | None, to: str | None) -> Party:
    if party is None:
        return Party(party_id(debtor_id), Role.DEBTOR, to=to)
    p, cp = t.parties.c, t.contact_points.c
    row = uow.session.execute(select(p.role).where(p.id == party, p.debtor_id == debtor_id)).one_or_none()
    if row is None:
        raise NotFound(f"no related party {party} of this debtor")
    phones = uow.session.execute(
        select(cp.value).where(cp.party_id == party, cp.kind.in_(["mobile", "landline"]))
    ).scalars()
    return Party(f"P{party}", Role(row.role), to=to, phones=tuple(sorted(phones)))


def _to(uow: UnitOfWork, contact_point_id: int | None, debtor_id: int, party: int | None) -> str | None:
    if contact_point_id is None:
        return None
    cp = t.contact_points.c
    row = uow.session.execute(
        select(cp.value, cp.party_id, cp.status).where(cp.id == contact_point_id, cp.debtor_id == debtor_id)
    ).one_or_none()
    if row is None or row.party_id != party:
        raise InvalidInput(f"contact point {contact_point_id} does not belong to the person contacted")
    if row.status == "do_not_contact":
        raise InvalidInput(f"contact point {contact_point_id} is marked do-not-contact")
    return str(row.value)


def check_contact(
    uow: UnitOfWork,
    case_id: int,
    *,
    channel: str,
    at: datetime | None = None,
    party: int | None = None,
    contact_point_id: int | None = None,
    purpose: str | None = None,
) -> Verdict:
    """Whether the contact may happen at `at` (default now), for every open account of the case."""
    try:
        gate_channel = Channel(channel)
    except ValueError:
        raise InvalidInput(
            f"channel: {channel!r} is not one of {', '.join(c.value for c in Channel)}"
        ) from None
    when = (at or datetime.now(UTC)).astimezone(UTC)
    case = _case(uow, case_id)
    conn = uow.session.connection()
    pack = creditor_pack(case.pack, case.pack_overrides)
    who = _party(uow, case.debtor_id, party, _to(uow, contact_point_id, case.debtor_id, party))
    # A related party who is not liable may only be asked to help reach the debtor.
    goal = (
        Purpose(purpose)
        if purpose
        else (Purpose.COLLECT if who.role in pack.settings.collect_roles else Purpose.LOCATE)
    )
    facts = debtor_facts(conn, [case.debtor_id])[case.debtor_id]
    history = [e for events in gate_history(conn, [case.debtor_id]).values() for e in events]
    history.sort(key=lambda e: e.at)
    a = t.accounts.c
    # The open accounts; a case whose accounts are all paid is still asked about as a whole.
    rows = uow.session.execute(select(a.id, a.status).where(a.case_id == case_id).order_by(a.id)).all()
    accounts = [r.id for r in rows if r.status == "open"] or [r.id for r in rows]
    decisions = [
        decide(Request(when, gate_channel, goal, who, facts, Debt(debt_id(acc))), history, pack)
        for acc in accounts
    ]
    if not decisions:
        raise NotFound(f"case {case_id} has no accounts")
    return _combine(decisions)


def _combine(decisions: list[Decision]) -> Verdict:
    """The strictest of the per-account decisions: refused if any refuses, allowed again when all allow."""
    refused = [d for d in decisions if not d.allowed]
    if not refused:
        return Verdict(True, decision_to_dict(decisions[0]), ())
    never = [d for d in refused if d.next_allowed_at is None]
    worst = never[0] if never else max(refused, key=lambda d: d.next_allowed_at or _NEVER)
    rules = tuple(dict.fromkeys(v.rule for d in refused for v in d.violations))
    return Verdict(False, decision_to_dict(worst), rules)


def _allowed_or_refused(
    uow: UnitOfWork,
    case_id: int,
    user_id: int | None,
    channel: str,
    when: datetime,
    party: int | None,
    contact_point_id: int | None,
) -> Verdict:
    """The gate's allowance, or ComplianceRefused once the refusal is kept (who, when, what, rules)."""
    verdict = check_contact(
        uow, case_id, channel=channel, at=when, party=party, contact_point_id=contact_point_id
    )
    if verdict.allowed:
        return verdict
    what = {"channel": channel, "at": when.isoformat(), "party": party, "contact_point_id": contact_point_id}
    uow.session.execute(
        insert(t.audit_events).values(
            at=datetime.now(UTC),
            user_id=user_id,
            action="contact.refused",
            entity="case",
            entity_id=case_id,
            detail={**what, "rules": list(verdict.refused_by), "decision": verdict.decision},
        )
    )
    uow.commit()  # the refusal is kept even though nothing else happens
    d = verdict.decision
    until = d["next_allowed_at"] or "a change of facts"
    raise ComplianceRefused(
        f"the compliance gate refused this contact ({', '.join(verdict.refused_by)}); "
        f"allowed again at {until}",
        d,
    )


def record_contact(
    uow: UnitOfWork,
    case_id: int,
    *,
    channel: str,
    outcome: str,
    user_id: int | None = None,
    at: datetime | None = None,
    direction: str = "outbound",
    party: int | None = None,
    contact_point_id: int | None = None,
    goal: str | None = None,
    goal_met: bool | None = None,
    notes: str = "",
    duration_s: int = 0,
    cease_requested: bool = False,
) -> int:
    """Records a call, visit or other contact; an outbound one only if the gate allows it at `at`."""
    try:
        result = Outcome(outcome)
        way = Direction(direction)
    except ValueError as exc:
        raise InvalidInput(f"outcome or direction: {exc}") from None
    if result is Outcome.REFUSED_BY_GATE:
        raise InvalidInput("outcome: refused_by_gate is recorded by the gate itself")
    if duration_s < 0:
        raise InvalidInput("duration: must not be negative")
    when = (at or datetime.now(UTC)).astimezone(UTC)
    if when > datetime.now(UTC):
        raise InvalidInput("at: a contact cannot be recorded in the future")
    case = _case(uow, case_id)
    decision_id = None
    if way is Direction.OUTBOUND:
        verdict = _allowed_or_refused(uow, case_id, user_id, channel, when, party, contact_point_id)
        decision_id = verdict.decision["id"]
    new_id = (
        uow.session.connection()
        .execute(
            insert(t.interactions)
            .values(
                case_id=case_id,
                debtor_id=case.debtor_id,
                party_id=party,
                contact_point_id=contact_point_id,
                user_id=user_id,
                at=when,
                channel=channel,
                direction=way.value,
                outcome=result.value,
                goal=goal,
                goal_met=goal_met,
                notes=notes,
                duration_s=duration_s,
                decision_id=decision_id,
            )
            .returning(t.interactions.c.id)
        )
        .scalar_one()
    )
    _apply_holds(uow, case, result, cease_requested, party)
    uow.commit()
    return int(new_id)


def _apply_holds(uow: UnitOfWork, case: Any, result: Outcome, cease: bool, party: int | None) -> None:
    """A dispute or a cease request by the debtor sets the flag that stops further contact."""
    if party is not None:
        return
    values: dict[str, bool] = {}
    if result is Outcome.DISPUTES:
        values["disputed"] = True
    if cease:
        values["cease"] = True
    if values:
        uow.session.execute(update(t.debtors).where(t.debtors.c.id == case.debtor_id).values(**values))
        stage = CaseStage.DISPUTE if "disputed" in values else CaseStage.HOLD
        uow.session.execute(update(t.cases).where(t.cases.c.id == case.id).values(stage=stage.value))


def queue_message(
    uow: UnitOfWork,
    case_id: int,
    *,
    channel: str,
    contact_point_id: int,
    body: str,
    subject: str = "",
    template: str | None = None,
    user_id: int | None = None,
    party: int | None = None,
    at: datetime | None = None,
) -> int:
    """Puts a message in the outbox if the gate allows sending it now; the decision id goes with it."""
    if channel not in MESSAGE_CHANNELS:
        raise InvalidInput(f"channel: {channel!r} is not one of {', '.join(MESSAGE_CHANNELS)}")
    if not body.strip():
        raise InvalidInput("body: a message needs a text")
    when = (at or datetime.now(UTC)).astimezone(UTC)
    verdict = _allowed_or_refused(uow, case_id, user_id, channel, when, party, contact_point_id)
    to = _to(uow, contact_point_id, _case(uow, case_id).debtor_id, party) or ""
    new_id = (
        uow.session.connection()
        .execute(
            insert(t.messages)
            .values(
                case_id=case_id,
                channel=channel,
                to=to,
                subject=subject,
                body=body,
                template=template,
                status="queued",
                decision_id=verdict.decision["id"],
                created_at=when,
            )
            .returning(t.messages.c.id)
        )
        .scalar_one()
    )
    uow.commit()
    return int(new_id)
