"""Every outbound contact passes the compliance gate before it happens: calls, visits and messages.

`check_contact` asks the gate about a contact with a case's debtor or one of its related parties, through
the one door of services/gate.py (the stored facts and history, read as the daily plan reads them).
`record_contact` records a contact as made only when the gate allowed it at that instant; a refused
contact is not made, and the refusal is kept as an audit event (who, when, what, which rule).
`queue_message` puts an SMS, email, WeChat message or letter in the outbox on the same terms.
`log_contact` is the workbench's use case: a collector records a call or visit with its outcome and sets
the case's next action, which the gate must allow at its due time (docs/contacts-and-visits.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from huikuan.compliance.model import Purpose, Role
from huikuan.domain.enums import CaseStage, Channel, Direction, Outcome
from huikuan.errors import ComplianceRefused, InvalidInput, NotFound
from huikuan.i18n import gettext
from huikuan.services.access import Viewer, visible_case
from huikuan.services.gate import Verdict, ask, read_gate_inputs
from huikuan.services.masking import mask_contact
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gating import creditor_pack

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
    if contact_point_id is None:
        return None
    cp = t.contact_points.c
    row = uow.session.execute(
        select(cp.value, cp.party_id, cp.status).where(cp.id == contact_point_id, cp.debtor_id == debtor_id)
    ).one_or_none()
    if row is None or row.party_id != party:
        raise InvalidInput(
            "contact point {point} does not belong to the person contacted", point=contact_point_id
        )
    if row.status == "do_not_contact":
        raise InvalidInput("contact point {point} is marked do-not-contact", point=contact_point_id)
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
            "channel: {channel!r} is not one of {channels}",
            channel=channel,
            channels=", ".join(c.value for c in Channel),
        ) from None
    when = (at or datetime.now(UTC)).astimezone(UTC)
    inputs = read_gate_inputs(uow, case_id)
    to = _to(uow, contact_point_id, inputs.debtor_id, party)
    goal = Purpose(purpose) if purpose else None
    verdict, _requests = ask(inputs, channel=gate_channel, party=party, to=to, at=when, purpose=goal)
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
) -> Verdict:
    """The gate's allowance, or ComplianceRefused once the refusal is kept (who, when, what, rules)."""
    verdict = check_contact(
        uow, case_id, channel=channel, at=when, party=party, contact_point_id=contact_point_id
    )
    if verdict.allowed:
        return verdict
    what = {"channel": channel, "at": when.isoformat(), "party": party, "contact_point_id": contact_point_id}
    _keep_refusal(uow, case_id, user_id, what, verdict)
    raise refusal(verdict, zone)


def _keep_refusal(
    uow: UnitOfWork, case_id: int, user_id: int | None, what: dict[str, Any], verdict: Verdict
) -> None:
    """The refusal as an audit event, committed: it is kept even though nothing else happens."""
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
    uow.commit()


def _when_text(instant: str, zone: str | None) -> str:
    """The gate's UTC instant, in the reader's zone when one is given."""
    if zone is None:
        return instant
    at = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{at:%Y-%m-%d %H:%M} ({zone})"


def _refused_error(msgid: str, decision: dict[str, Any], **values: object) -> ComplianceRefused:
    """ComplianceRefused with a translatable message (msgid and values, like every HuikuanError)."""
    exc = ComplianceRefused(msgid.format(**values), decision)
    exc.msgid, exc.values = msgid, values
    return exc


def refusal(verdict: Verdict, zone: str | None = None, *, next_action: bool = False) -> ComplianceRefused:
    """The error for a refused contact (or next action), naming the rules and when it is next allowed:
    in `zone` when given, else as the gate's UTC instant."""
    d = verdict.decision
    rules = ", ".join(verdict.refused_by)
    until = d["next_allowed_at"]
    if next_action:
        if until is None:
            return _refused_error(
                "The compliance gate would refuse the next action ({rules}) until the facts change: "
                "leave the next action empty",
                d,
                rules=rules,
            )
        return _refused_error(
            "The compliance gate would refuse the next action at that time ({rules}); "
            "it is next allowed at {until}",
            d,
            rules=rules,
            until=_when_text(until, zone),
        )
    if until is None:
        return _refused_error(
            "The compliance gate refused this contact ({rules}); allowed again at a change of facts",
            d,
            rules=rules,
        )
    return _refused_error(
        "The compliance gate refused this contact ({rules}); allowed again at {until}",
        d,
        rules=rules,
        until=_when_text(until, zone),
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
    new_id = _record(
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


def _record(
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
) -> int:
    """record_contact without the commit: the interaction and its holds, in the caller's transaction."""
    try:
        result = Outcome(outcome)
        way = Direction(direction)
    except ValueError as exc:
        raise InvalidInput("outcome or direction: {reason}", reason=str(exc)) from None
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
    locale: str | None = None,
) -> int:
    """Puts a message in the outbox if the gate allows sending it now; the decision id, who sent it, to
    which person and point, and in which language go with it."""
    if channel not in MESSAGE_CHANNELS:
        raise InvalidInput(
            "channel: {channel!r} is not one of {channels}",
            channel=channel,
            channels=", ".join(MESSAGE_CHANNELS),
        )
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
                contact_point_id=contact_point_id,
                party_id=party,
                user_id=user_id,
                locale=locale,
            )
            .returning(t.messages.c.id)
        )
        .scalar_one()
    )
    uow.commit()
    return int(new_id)


# --- the workbench: a collector records a contact and sets the next action -----------------------

# Channels a collector records a contact on (messages go through queue_message), and the next actions.
CONTACT_CHANNELS = ("call", "visit")
NEXT_CHANNELS = ("call", "visit", "sms", "email", "wechat", "letter")
# The outcomes a collector may record, in the order the form lists them: the person was not reached,
# then the right party was (labels: services/case_labels.py OUTCOME_LABELS).
NOT_REACHED_OUTCOMES = (
    Outcome.NO_ANSWER,
    Outcome.BUSY,
    Outcome.VOICEMAIL,
    Outcome.NOT_CONNECTED,
    Outcome.WRONG_PARTY,
    Outcome.THIRD_PARTY,
)
RIGHT_PARTY_OUTCOMES = (
    Outcome.PROMISE,
    Outcome.PAID,
    Outcome.REFUSES,
    Outcome.DISPUTES,
    Outcome.HARDSHIP,
    Outcome.CALLBACK,
)
OUTCOMES = tuple(o.value for o in NOT_REACHED_OUTCOMES + RIGHT_PARTY_OUTCOMES)
# Outcomes a call can have and a visit cannot.
CALL_ONLY_OUTCOMES = frozenset({Outcome.BUSY, Outcome.VOICEMAIL, Outcome.NOT_CONNECTED})
# Outcomes in which the debt itself was discussed: only with the debtor or a liable party.
PAYMENT_OUTCOMES = frozenset(
    {Outcome.PROMISE, Outcome.PAID, Outcome.REFUSES, Outcome.DISPUTES, Outcome.HARDSHIP}
)
# The next action's goal when the collector gives none (msgids; stored in the collector's language).
DEFAULT_NEXT_GOALS: dict[str, str] = {
    Outcome.NO_ANSWER: "Reach the debtor",
    Outcome.BUSY: "Reach the debtor",
    Outcome.VOICEMAIL: "Reach the debtor after the voicemail",
    Outcome.NOT_CONNECTED: "Find a working number",
    Outcome.WRONG_PARTY: "Find a working number",
    Outcome.THIRD_PARTY: "Reach the debtor in person",
    Outcome.PROMISE: "Check that the promised payment arrived",
    Outcome.PAID: "Confirm the payment with the creditor",
    Outcome.REFUSES: "Explain the consequences lawfully and offer a plan",
    Outcome.DISPUTES: "Review the dispute before any further contact",
    Outcome.HARDSHIP: "Assess the hardship and offer an affordable plan",
    Outcome.CALLBACK: "Call back as asked",
}
# A contact point the outcome shows to be unusable.
_POINT_STATUS = {Outcome.WRONG_PARTY: "wrong_party", Outcome.NOT_CONNECTED: "disconnected"}
_POINT_KINDS = {"call": ("mobile", "landline"), "visit": ("address",)}
GOAL_MAX = 200  # cases.next_action_goal and interactions.goal
NOTES_MAX = 4000
DURATION_MAX = 8 * 3600
NEXT_ACTION_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class NextAction:
    channel: str | None
    goal: str
    due_at: datetime | None


def log_contact(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    channel: str,
    outcome: str,
    party: int | None = None,
    contact_point_id: int | None = None,
    goal: str | None = None,
    goal_met: bool | None = None,
    notes: str = "",
    duration_s: int = 0,
    cease_requested: bool = False,
    next_channel: str | None = None,
    next_goal: str | None = None,
    next_due_at: datetime | None = None,
    at: datetime | None = None,
    direction: str = "outbound",
) -> int:
    """Records a call or visit made by the viewer and sets the case's next action; returns the contact's id.

    Everything is validated before anything is written. The gate checks the contact at its instant (a
    refusal is kept as an audit event and nothing else is written), then the next action at its due
    time, with this contact already in the history (a refusal undoes everything but the audit event).
    The contact's goal defaults to the case's pending next action goal; the next goal to the outcome's
    default (DEFAULT_NEXT_GOALS) in the viewer's language.
    """
    case = visible_case(uow, viewer, case_id, write=True)
    now = datetime.now(UTC)
    if channel not in CONTACT_CHANNELS:
        raise InvalidInput(
            "channel: {value} is not one of {choices}", value=channel, choices=", ".join(CONTACT_CHANNELS)
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome: {value} is not one of {choices}", value=outcome, choices=", ".join(OUTCOMES)
        )
    result = Outcome(outcome)
    if channel == "visit" and result in CALL_ONLY_OUTCOMES:
        raise InvalidInput("outcome: {value} is not an outcome of a visit", value=outcome)
    if direction not in (Direction.OUTBOUND, Direction.INBOUND):
        raise InvalidInput("direction: {value} is not inbound or outbound", value=direction)
    when = now if at is None else _aware("at", at)
    if when > now:
        raise InvalidInput("at: a contact cannot be recorded in the future")
    if not 0 <= duration_s <= DURATION_MAX:
        raise InvalidInput("duration: {value} seconds is not between 0 and 8 hours", value=duration_s)
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise InvalidInput("notes: at most {max} characters", max=NOTES_MAX)
    contact_goal = _goal("goal", goal) or case.next_action_goal
    point = _point(uow, case.debtor_id, contact_point_id)
    if point is not None:
        if party is None:
            party = point.party_id
        elif point.party_id != party:
            raise InvalidInput(
                "contact point {point}: it belongs to someone other than the person contacted",
                point=contact_point_id,
            )
        if point.kind not in _POINT_KINDS[channel]:
            if channel == "visit":
                raise InvalidInput("contact point {point}: a visit needs an address", point=contact_point_id)
            raise InvalidInput("contact point {point}: a call needs a phone number", point=contact_point_id)
        if point.status == "do_not_contact":
            raise InvalidInput("contact point {point}: marked do-not-contact", point=contact_point_id)
    payment_allowed = _may_discuss_payment(uow, case, party)  # and the party is this debtor's
    if result in PAYMENT_OUTCOMES and not payment_allowed:
        raise InvalidInput(
            "outcome: the debt may not be discussed with this person (location only); "
            "record what they said as third party reached"
        )
    after = _next_action(viewer, result, now, next_channel, next_goal, next_due_at)

    new_id = _record(
        uow,
        case_id,
        channel=channel,
        outcome=result.value,
        user_id=viewer.user_id,
        at=when,
        direction=direction,
        party=party,
        contact_point_id=contact_point_id,
        goal=contact_goal,
        goal_met=goal_met,
        notes=notes,
        duration_s=duration_s,
        cease_requested=cease_requested,
        zone=viewer.time_zone,
    )
    if result is Outcome.HARDSHIP and party is None:
        uow.session.execute(update(t.debtors).where(t.debtors.c.id == case.debtor_id).values(hardship=True))
    status = _POINT_STATUS.get(result)
    if status is not None and contact_point_id is not None:
        cp = t.contact_points.c
        uow.session.execute(update(t.contact_points).where(cp.id == contact_point_id).values(status=status))
    if after.channel is not None and after.due_at is not None:
        # Asked with this contact and its holds already in the history: a dispute or a cease request just
        # recorded, or the day's last allowed call, refuses the next action as it will refuse the contact.
        verdict = check_contact(uow, case_id, channel=after.channel, at=after.due_at)
        if not verdict.allowed:
            uow.rollback()
            what = {"channel": after.channel, "at": after.due_at.isoformat(), "next_action": True}
            _keep_refusal(uow, case_id, viewer.user_id, what, verdict)
            raise refusal(verdict, viewer.time_zone, next_action=True)
    c = t.cases.c
    uow.session.execute(
        update(t.cases)
        .where(c.id == case_id)
        .values(
            next_action_channel=after.channel, next_action_goal=after.goal, next_action_due_at=after.due_at
        )
    )
    uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, c.stage == CaseStage.NEW.value)
        .values(stage=CaseStage.CONTACTING.value)
    )
    uow.commit()
    return new_id


def _aware(field: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(
            "at: a time needs its zone" if field == "at" else "next action: a time needs its zone"
        )
    return value.astimezone(UTC)


def _goal(field: str, value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > GOAL_MAX:
        message = (
            "goal: at most {max} characters" if field == "goal" else "next goal: at most {max} characters"
        )
        raise InvalidInput(message, max=GOAL_MAX)
    return text or None


def _point(uow: UnitOfWork, debtor_id: int, contact_point_id: int | None) -> Any:
    if contact_point_id is None:
        return None
    cp = t.contact_points.c
    row = uow.session.execute(
        select(cp.party_id, cp.kind, cp.status).where(cp.id == contact_point_id, cp.debtor_id == debtor_id)
    ).one_or_none()
    if row is None:
        raise InvalidInput("contact point {point}: not one of this case's", point=contact_point_id)
    return row


def may_discuss_payment(pack_name: str, overrides: Any, role: str) -> bool:
    """Whether the debt may be discussed with a person of this role under the creditor's pack (the
    gate's own list, third-party-disclosure's collect_roles); with anyone else: their whereabouts only."""
    try:
        who = Role(role)
    except ValueError:
        return False
    return who in creditor_pack(pack_name, overrides).settings.collect_roles


def _may_discuss_payment(uow: UnitOfWork, case: Any, party: int | None) -> bool:
    if party is None:
        return True
    p, cr = t.parties.c, t.creditors.c
    role = uow.session.execute(select(p.role).where(p.id == party, p.debtor_id == case.debtor_id)).scalar()
    if role is None:
        raise InvalidInput("party: {party} is not a related party of this debtor", party=party)
    creditor = uow.session.execute(select(cr.pack, cr.pack_overrides).where(cr.id == case.creditor_id)).one()
    return may_discuss_payment(creditor.pack, creditor.pack_overrides, str(role))


def _next_action(
    viewer: Viewer,
    result: Outcome,
    now: datetime,
    channel: str | None,
    goal: str | None,
    due_at: datetime | None,
) -> NextAction:
    channel = channel or None
    if channel is not None and channel not in NEXT_CHANNELS:
        raise InvalidInput(
            "next action: {value} is not one of {choices}", value=channel, choices=", ".join(NEXT_CHANNELS)
        )
    if (channel is None) != (due_at is None):
        raise InvalidInput("next action: give both its channel and its date and time, or neither")
    due = None if due_at is None else _aware("next action", due_at)
    if due is not None and due < now:
        raise InvalidInput("next action: {at} is in the past", at=due.isoformat(timespec="minutes"))
    if due is not None and due > now + NEXT_ACTION_HORIZON:
        raise InvalidInput("next action: {at} is more than a year ahead", at=due.date().isoformat())
    text = _goal("next goal", goal) or gettext(DEFAULT_NEXT_GOALS[result], viewer.locale)
    return NextAction(channel, text, due)


# --- what the contact form shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Reachable:
    """A person of the case and a way to reach them, as the form lists it (values masked)."""

    key: str  # "debtor", "party-<id>" or "point-<id>": what the form posts back
    party_id: int | None
    person: str
    role: str  # "debtor" or the party's role
    kind: str | None  # the contact point's kind; None: the person, no particular number or address
    masked: str
    status: str | None
    payment: bool  # the debt may be discussed with this person; else their whereabouts only


@dataclass(frozen=True)
class LastContact:
    at: datetime
    channel: str
    outcome: str
    goal: str | None
    goal_met: bool | None
    notes: str
    by: str | None


@dataclass(frozen=True)
class ContactForm:
    case_id: int
    stage: str
    goal: str | None  # the contact's goal, pre-filled: the case's pending next action goal
    next_channel: str | None
    next_due_at: datetime | None
    reachable: tuple[Reachable, ...]
    last: LastContact | None
    can_write: bool


def contact_form(uow: UnitOfWork, viewer: Viewer, case_id: int) -> ContactForm:
    """What the workbench's contact panel needs: the case's people and their numbers and addresses, the
    pending goal to pre-fill and the last contact made."""
    case = visible_case(uow, viewer, case_id)
    s = uow.session
    d, p, cp, cr = t.debtors.c, t.parties.c, t.contact_points.c, t.creditors.c
    debtor = s.execute(
        select(d.name, cr.pack, cr.pack_overrides)
        .join(t.creditors, cr.id == d.creditor_id)
        .where(d.id == case.debtor_id)
    ).one()
    parties = s.execute(
        select(p.id, p.name, p.role).where(p.debtor_id == case.debtor_id).order_by(p.id)
    ).all()
    names = {row.id: (row.name, row.role) for row in parties}
    points = s.execute(
        select(cp.id, cp.party_id, cp.kind, cp.value, cp.status)
        .where(cp.debtor_id == case.debtor_id, cp.kind.in_(["mobile", "landline", "address"]))
        .order_by(cp.party_id.is_not(None), cp.party_id, cp.id)
    ).all()

    def payment(role: str) -> bool:
        return role == "debtor" or may_discuss_payment(debtor.pack, debtor.pack_overrides, role)

    reachable = [Reachable("debtor", None, debtor.name, "debtor", None, "", None, True)]
    for row in points:
        if row.party_id is None:
            reachable.append(
                Reachable(
                    f"point-{row.id}",
                    None,
                    debtor.name,
                    "debtor",
                    row.kind,
                    mask_contact(row.kind, row.value),
                    row.status,
                    True,
                )
            )
    for party in parties:
        role = str(party.role)
        reachable.append(
            Reachable(f"party-{party.id}", party.id, party.name, role, None, "", None, payment(role))
        )
        for row in points:
            if row.party_id == party.id:
                reachable.append(
                    Reachable(
                        f"point-{row.id}",
                        party.id,
                        names[party.id][0],
                        role,
                        row.kind,
                        mask_contact(row.kind, row.value),
                        row.status,
                        payment(role),
                    )
                )
    i, u = t.interactions.c, t.users.c
    last = s.execute(
        select(i.at, i.channel, i.outcome, i.goal, i.goal_met, i.notes, u.display_name)
        .outerjoin(t.users, u.id == i.user_id)
        .where(i.case_id == case_id, i.outcome != Outcome.REFUSED_BY_GATE.value)
        .order_by(i.at.desc(), i.id.desc())
        .limit(1)
    ).one_or_none()
    return ContactForm(
        case_id=case_id,
        stage=case.stage,
        goal=case.next_action_goal,
        next_channel=case.next_action_channel,
        next_due_at=case.next_action_due_at,
        reachable=tuple(reachable),
        last=None if last is None else LastContact(*last),
        can_write=not viewer.read_only,
    )


def who_from_key(key: str | None) -> tuple[int | None, int | None]:
    """The form's "who" choice as (party, contact point): "debtor", "party-<id>" or "point-<id>"."""
    value = (key or "debtor").strip()
    if value == "debtor":
        return None, None
    kind, _, number = value.partition("-")
    if kind in ("party", "point") and number.isdigit():
        return (int(number), None) if kind == "party" else (None, int(number))
    raise InvalidInput("who: {value} is not a person or contact point of this case", value=value)
