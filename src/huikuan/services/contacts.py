"""Every outbound contact passes the compliance gate before it happens: calls, visits and messages.

`check_contact` asks the gate about a contact with a case's debtor or one of its related parties, through
the one door of services/point_judgement.py (the stored facts and history, read as the daily plan reads
them; the point as the plan-dispatch job and the case page read it).
`record_contact` records a contact as made only when the gate allowed it at that instant; a refused
contact is not made, and the refusal is kept as an audit event (who, when, what, which rule:
services/contact_refusals.py).
`queue_message` puts an SMS, email, WeChat message or letter in the outbox on the same terms.
The workbench's own use case, a collector reporting a call or visit with its promise and next action, is
services/contact_log.py; the contact form's contents are services/contact_form.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.compliance.model import Purpose, Role
from huikuan.domain.enums import CaseStage, Channel, Direction, Outcome
from huikuan.domain.goals import GOALS
from huikuan.errors import InvalidInput, NotFound
from huikuan.services import notices
from huikuan.services.contact_refusals import keep_refusal, refusal
from huikuan.services.disputes import disputes_of_contact
from huikuan.services.gate import Verdict, read_gate_inputs
from huikuan.services.holds import SetHold, add_hold, open_hold_kinds
from huikuan.services.point_judgement import NO_POINT, judge_point, point_terms, read_point
from huikuan.services.safe_harbour import ELECTRONIC, used_points
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack

MESSAGE_CHANNELS = ("sms", "email", "wechat", "letter")


def _case(uow: UnitOfWork, case_id: int) -> Any:
    c, cr = t.cases.c, t.creditors.c
    row = uow.session.execute(
        select(c.id, c.debtor_id, c.creditor_id, cr.pack, cr.pack_overrides)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no case {case_id}", case_id=case_id)
    return row


def _to(uow: UnitOfWork, contact_point_id: int | None, debtor_id: int, party: int | None) -> str | None:
    row = read_point(uow, contact_point_id, debtor_id, party)
    return None if row is None else str(row.value)


def check_contact(
    uow: UnitOfWork,
    case_id: int,
    *,
    channel: str,
    at: datetime | None = None,
    party: int | None = None,
    contact_point_id: int | None = None,
    purpose: str | None = None,
    automated: bool = False,
) -> Verdict:
    """Whether the contact may happen at `at` (default now), for every open account of the case, asked
    through the point (services/point_judgement.py); `automated` for a message no collector sent (the
    gate's automated-text-consent rule then reads the point's consent)."""
    try:
        gate_channel = Channel(channel)
    except ValueError:
        raise InvalidInput(
            "channel: {channel!r} is not one of {channels}",
            channel=channel,
            channels=", ".join(c.value for c in Channel),
        ) from None
    when = (at or datetime.now(UTC)).astimezone(UTC)
    inputs = read_gate_inputs(uow, case_id)
    row = read_point(uow, contact_point_id, inputs.debtor_id, party)
    terms = NO_POINT
    if row is not None and contact_point_id is not None:
        used = used_points(uow, [contact_point_id]) if channel in ELECTRONIC else set()
        terms = point_terms(row, contact_point_id, channel, used)
    verdict, _requests = judge_point(
        inputs,
        channel=gate_channel,
        party=party,
        terms=terms,
        at=when,
        purpose=Purpose(purpose) if purpose else None,
        automated=automated,
    )
    return verdict


def _allowed_or_refused(
    uow: UnitOfWork,
    case_id: int,
    user_id: int | None,
    channel: str,
    when: datetime,
    party: int | None,
    contact_point_id: int | None,
    zone: str | None = None,
    *,
    plan_date: date | None = None,
) -> Verdict:
    """The gate's allowance, or ComplianceRefused once the refusal is kept (who, when, what, rules). A
    message no user sends (user_id None: a job's) is automated."""
    verdict = check_contact(
        uow,
        case_id,
        channel=channel,
        at=when,
        party=party,
        contact_point_id=contact_point_id,
        automated=user_id is None,
    )
    if verdict.allowed:
        return verdict
    what: dict[str, Any] = {
        "channel": channel,
        "at": when.isoformat(),
        "party": party,
        "contact_point_id": contact_point_id,
    }
    if plan_date is not None:  # queued by the daily plan, not by a person
        what["plan_date"] = plan_date.isoformat()
    keep_refusal(uow, case_id, user_id, what, verdict)
    raise refusal(verdict, zone)


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
    new_id = insert_contact(
        uow,
        case_id,
        channel=channel,
        outcome=outcome,
        user_id=user_id,
        at=at,
        direction=direction,
        party=party,
        contact_point_id=contact_point_id,
        goal=goal,
        goal_met=goal_met,
        notes=notes,
        duration_s=duration_s,
        cease_requested=cease_requested,
    )
    uow.commit()
    return new_id


def insert_contact(
    uow: UnitOfWork,
    case_id: int,
    *,
    channel: str,
    outcome: str,
    user_id: int | None,
    at: datetime | None,
    direction: str,
    party: int | None,
    contact_point_id: int | None,
    goal: str | None,
    goal_met: bool | None,
    notes: str,
    duration_s: int,
    cease_requested: bool,
    zone: str | None = None,
    goal_note: str | None = None,
) -> int:
    """record_contact without the commit: the interaction and its holds, in the caller's transaction."""
    result, way, when = _checked(outcome, direction, duration_s, goal, at)
    case = _case(uow, case_id)
    decision_id = None
    if way is Direction.OUTBOUND:
        verdict = _allowed_or_refused(uow, case_id, user_id, channel, when, party, contact_point_id, zone)
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
                goal_note=goal_note,
                goal_met=goal_met,
                notes=notes,
                duration_s=duration_s,
                decision_id=decision_id,
            )
            .returning(t.interactions.c.id)
        )
        .scalar_one()
    )
    _apply_holds(uow, case, cease_requested, party, user_id, when)
    if result is Outcome.DISPUTES and party is None:
        disputes_of_contact(uow, case, user_id, when)
    if party is None and way is Direction.OUTBOUND:
        notices.demand_recorded(uow, case_id, case.debtor_id, user_id, when)  # restarts a cn limitation
    return int(new_id)


def complete_call_contact(
    uow: UnitOfWork,
    case_id: int,
    interaction_id: int,
    *,
    outcome: str,
    user_id: int | None,
    goal: str | None,
    goal_note: str | None,
    goal_met: bool | None,
    notes: str,
    cease_requested: bool,
) -> int:
    """The contact a call placed through the floor's telephone system counts as (services/calls.py),
    completed with what the collector reports, in the caller's transaction: the gate allowed it at the
    instant it was dialled (its decision id stays), and its instant and duration are the provider's."""
    result, _way, _when = _checked(outcome, Direction.OUTBOUND.value, 0, goal, None)
    case = _case(uow, case_id)
    i = t.interactions.c
    row = uow.session.execute(
        select(i.party_id, i.at).where(i.id == interaction_id, i.case_id == case_id)
    ).one()
    uow.session.execute(
        update(t.interactions)
        .where(i.id == interaction_id)
        .values(outcome=result.value, goal=goal, goal_note=goal_note, goal_met=goal_met, notes=notes)
    )
    _apply_holds(uow, case, cease_requested, row.party_id, user_id, row.at)
    if result is Outcome.DISPUTES and row.party_id is None:
        disputes_of_contact(uow, case, user_id, row.at)
    if row.party_id is None:
        notices.demand_recorded(uow, case_id, case.debtor_id, user_id, row.at)
    return interaction_id


def _checked(
    outcome: str, direction: str, duration_s: int, goal: str | None, at: datetime | None
) -> tuple[Outcome, Direction, datetime]:
    """The contact's outcome, direction and moment (UTC), refused when they cannot be recorded."""
    try:
        result, way = Outcome(outcome), Direction(direction)
    except ValueError as exc:
        raise InvalidInput("outcome or direction: {reason}", reason=str(exc)) from None
    if result is Outcome.REFUSED_BY_GATE:
        raise InvalidInput("outcome: refused_by_gate is recorded by the gate itself")
    if duration_s < 0:
        raise InvalidInput("duration: must not be negative")
    if goal is not None and goal not in GOALS:
        raise InvalidInput("goal: {value} is not one of the goals", value=goal)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    if when > datetime.now(UTC):
        raise InvalidInput("at: a contact cannot be recorded in the future")
    return result, way, when


def _apply_holds(
    uow: UnitOfWork, case: Any, cease: bool, party: int | None, user_id: int | None, when: datetime
) -> None:
    """A cease request by the debtor is a hold (services/holds.py), set by the debtor until it is ended,
    from the contact's instant: it stops further contact at once (a dispute opens one in the dispute
    loop, services/disputes.py)."""
    if party is not None or not cease:
        return
    if "cease" not in open_hold_kinds(uow.session.connection(), case.debtor_id):
        add_hold(uow, user_id, SetHold(case.debtor_id, "cease", source="debtor"), now=when)
    uow.session.execute(update(t.cases).where(t.cases.c.id == case.id).values(stage=CaseStage.HOLD.value))


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
    locale: str | None = None,
    send_at: datetime | None = None,
    plan_date: date | None = None,
) -> int:
    """Puts a message in the outbox if the gate allows sending it now; the decision id, who sent it, to
    which person and point, and in which language go with it.

    With `send_at` (the daily plan's slot), the gate is asked about that moment and the message waits
    in the outbox until then; `plan_date` marks a message the daily plan queued (the refusal's audit
    event says so too)."""
    if channel not in MESSAGE_CHANNELS:
        raise InvalidInput(
            "channel: {channel!r} is not one of {channels}",
            channel=channel,
            channels=", ".join(MESSAGE_CHANNELS),
        )
    if not body.strip():
        raise InvalidInput("body: a message needs a text")
    when = (at or datetime.now(UTC)).astimezone(UTC)
    due = send_at.astimezone(UTC) if send_at is not None else None
    verdict = _allowed_or_refused(
        uow, case_id, user_id, channel, due or when, party, contact_point_id, plan_date=plan_date
    )
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
                contact_point_id=contact_point_id,
                party_id=party,
                user_id=user_id,
                locale=locale,
                next_attempt_at=due,
                plan_date=plan_date,
            )
            .returning(t.messages.c.id)
        )
        .scalar_one()
    )
    uow.commit()
    return int(new_id)


def may_discuss_payment(pack_name: str, overrides: Any, role: str) -> bool:
    """Whether the debt may be discussed with a person of this role under the creditor's pack (the
    gate's own list, third-party-disclosure's collect_roles); with anyone else: their whereabouts only."""
    try:
        who = Role(role)
    except ValueError:
        return False
    return who in creditor_pack(pack_name, overrides).settings.collect_roles
