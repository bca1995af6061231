"""The workbench's use case: a collector reports what a call or visit came to, with the promise made in it
and the case's next action (docs/contacts-and-visits.md).

A report is checked whole before anything is written: the collector must be working the case (holding
it, or it is assigned to them; services/access.case_to_work), the outcome must fit the channel and the
person, a promise comes only with the outcome "promise to pay" and carries its amount and date, and a
next action is complete (channel, time and goal) or absent. The gate then checks the contact at its
instant (a refusal is kept as an audit event and nothing else is written), and the next action at its
due time with this contact already in the history (a refusal undoes everything but the audit event).

Goals are codes of domain/goals.py: the contact's goal defaults to the case's pending one, the next
action's to the outcome's; the collector's own words go in the notes beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from huikuan.domain.days import local_day
from huikuan.domain.enums import CaseStage, Outcome
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, case_to_work
from huikuan.services.calls import PendingCall, pending_call
from huikuan.services.contact_points import apply_mark
from huikuan.services.contact_refusals import keep_refusal, refusal
from huikuan.services.contact_report import (
    DURATION_MAX,
    NOTES_MAX,
    PAYMENT_OUTCOMES,
    ContactReport,
    NextAction,
    aware,
    goal_code,
    next_action_of,
    note_of,
    outcome_of,
)
from huikuan.services.contacts import (
    check_contact,
    complete_call_contact,
    insert_contact,
    may_discuss_payment,
)
from huikuan.services.holds import SetHold, add_hold, debtor_zone, open_hold_kinds
from huikuan.services.promises import promise_terms, take_promise
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# How long a hardship heard in a conversation pauses collection when no next action is set.
HARDSHIP_PAUSE_DAYS = 30
# A contact point the outcome shows to be unusable.
_POINT_STATUS = {Outcome.WRONG_PARTY: "wrong_party", Outcome.NOT_CONNECTED: "disconnected"}
_POINT_KINDS = {"call": ("mobile", "landline"), "visit": ("address",)}


@dataclass(frozen=True)
class LoggedContact:
    id: int
    case_id: int
    stage: str
    next_action: NextAction
    promise_id: int | None


def log_contact(uow: UnitOfWork, viewer: Viewer, case_id: int, report: ContactReport) -> LoggedContact:
    """Records the call or visit the viewer reports, its promise and the case's next action."""
    now = datetime.now(UTC)
    case = case_to_work(uow, viewer, case_id, now)
    call = _call(uow, viewer, case_id, report)
    if call is not None:
        report = replace(
            report,
            contact_point_id=call.contact_point_id,
            party=call.party_id,
            direction="outbound",
            at=None,
            duration_s=min(call.talk_seconds or 0, DURATION_MAX),
        )
    result = outcome_of(report)
    when = now if report.at is None else aware("at", report.at)
    if when > now:
        raise InvalidInput("at: a contact cannot be recorded in the future")
    if not 0 <= report.duration_s <= DURATION_MAX:
        raise InvalidInput("duration: {value} seconds is not between 0 and 8 hours", value=report.duration_s)
    notes = report.notes.strip()
    if len(notes) > NOTES_MAX:
        raise InvalidInput("notes: at most {max} characters", max=NOTES_MAX)
    contact_goal = goal_code("goal", report.goal) or case.next_action_goal
    goal_note = note_of("goal", report.goal_note)
    party = _check_person(uow, case, report, result)
    promise = _promise(uow, case_id, report, result, now)
    after = next_action_of(report, result, now)

    if call is not None:
        new_id = complete_call_contact(
            uow,
            case_id,
            call.interaction_id,
            outcome=result.value,
            user_id=viewer.user_id,
            goal=contact_goal,
            goal_note=goal_note,
            goal_met=report.goal_met,
            notes=notes,
            cease_requested=report.cease_requested,
        )
    else:
        new_id = _insert(uow, viewer, case_id, report, result, when, party, contact_goal, goal_note, notes)
    if result is Outcome.HARDSHIP and party is None:
        pause_for_hardship(uow, viewer.user_id, case.debtor_id, after.due_at, now)
    _mark_point(uow, viewer.user_id, case, report, result, when)
    promise_id = None
    if promise is not None:
        promise_id = take_promise(uow, viewer.user_id, case_id, promise, now=now, interaction_id=new_id)
    if after.channel is not None and after.due_at is not None:
        # Asked with this contact and its holds already in the history: a dispute or a cease request just
        # recorded, or the day's last allowed call, refuses the next action as it will refuse the contact.
        verdict = check_contact(uow, case_id, channel=after.channel, at=after.due_at)
        if not verdict.allowed:
            uow.rollback()
            what = {"channel": after.channel, "at": after.due_at.isoformat(), "next_action": True}
            keep_refusal(uow, case_id, viewer.user_id, what, verdict)
            raise refusal(verdict, viewer.time_zone, next_action=True)
    row = _write_next_action(uow, case_id, after, promise_set=promise is not None)
    uow.commit()
    return LoggedContact(new_id, case_id, row.stage, NextAction(*row[1:]), promise_id)


def _insert(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    report: ContactReport,
    result: Outcome,
    when: datetime,
    party: int | None,
    goal: str | None,
    goal_note: str | None,
    notes: str,
) -> int:
    """The contact as a new interaction (the gate asked at its instant)."""
    return insert_contact(
        uow,
        case_id,
        channel=report.channel,
        outcome=result.value,
        user_id=viewer.user_id,
        at=when,
        direction=report.direction,
        party=party,
        contact_point_id=report.contact_point_id,
        goal=goal,
        goal_note=goal_note,
        goal_met=report.goal_met,
        notes=notes,
        duration_s=report.duration_s,
        cease_requested=report.cease_requested,
        zone=viewer.time_zone,
    )


def _call(uow: UnitOfWork, viewer: Viewer, case_id: int, report: ContactReport) -> PendingCall | None:
    """The viewer's call on this case whose contact the report completes (None: no call named)."""
    if report.call_id is None:
        return None
    call = pending_call(uow, viewer.user_id, case_id, report.call_id)
    if call is None:
        raise InvalidInput(
            "call {call}: not a call of yours on this case waiting for its outcome", call=report.call_id
        )
    if report.channel != "call":
        raise InvalidInput("call {call}: its outcome is a call's", call=report.call_id)
    return call


def _mark_point(
    uow: UnitOfWork, user_id: int, case: Any, report: ContactReport, result: Outcome, when: datetime
) -> None:
    """Marks the number called after what the contact found (wrong number, dead, ...)."""
    status = _POINT_STATUS.get(result)
    if result is Outcome.WRONG_PARTY and report.contact_point_id is not None:
        # A wrong number is the number's, not this debtor's: the mark follows it to every debtor.
        apply_mark(uow, user_id, case.id, case.debtor_id, report.contact_point_id, "wrong_number", when)
    elif status is not None and report.contact_point_id is not None:
        cp = t.contact_points.c
        uow.session.execute(
            update(t.contact_points).where(cp.id == report.contact_point_id).values(status=status)
        )


def _write_next_action(uow: UnitOfWork, case_id: int, after: NextAction, *, promise_set: bool) -> Any:
    """Sets the case's next action (a promise sets its own) and its stage; the case's row as it is now."""
    c = t.cases.c
    if not promise_set or after.channel is not None:  # a promise sets its own next action: checking it
        uow.session.execute(
            update(t.cases)
            .where(c.id == case_id)
            .values(
                next_action_channel=after.channel,
                next_action_goal=after.goal,
                next_action_note=after.note,
                next_action_due_at=after.due_at,
            )
        )
    uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, c.stage == CaseStage.NEW.value)
        .values(stage=CaseStage.CONTACTING.value)
    )
    return uow.session.execute(
        select(
            c.stage, c.next_action_channel, c.next_action_goal, c.next_action_note, c.next_action_due_at
        ).where(c.id == case_id)
    ).one()


def pause_for_hardship(
    uow: UnitOfWork, user_id: int, debtor_id: int, next_due: datetime | None, now: datetime
) -> None:
    """The debtor's hardship, heard in a conversation, pauses collection (a hardship hold): until the day
    before the next action (which assesses it), else for HARDSHIP_PAUSE_DAYS. No pause when the next
    action is today, or when a hardship hold is open already."""
    zone = debtor_zone(uow, debtor_id)
    today = local_day(now, zone)
    until = today + timedelta(days=HARDSHIP_PAUSE_DAYS - 1)
    if next_due is not None:
        until = local_day(next_due, zone) - timedelta(days=1)
    if until < today or "hardship" in open_hold_kinds(uow.session.connection(), debtor_id, now=now):
        return
    add_hold(uow, user_id, SetHold(debtor_id, "hardship", until=until, source="debtor"), now=now)


def _check_person(uow: UnitOfWork, case: Any, report: ContactReport, result: Outcome) -> int | None:
    """The party contacted (None: the debtor), checked against the contact point and the outcome."""
    party = report.party
    point = _point(uow, case.debtor_id, report.contact_point_id)
    if point is not None:
        if party is None:
            party = point.party_id
        elif point.party_id != party:
            raise InvalidInput(
                "contact point {point}: it belongs to someone other than the person contacted",
                point=report.contact_point_id,
            )
        if point.kind not in _POINT_KINDS[report.channel]:
            if report.channel == "visit":
                raise InvalidInput(
                    "contact point {point}: a visit needs an address", point=report.contact_point_id
                )
            raise InvalidInput(
                "contact point {point}: a call needs a phone number", point=report.contact_point_id
            )
        if point.status == "do_not_contact":
            raise InvalidInput("contact point {point}: marked do-not-contact", point=report.contact_point_id)
    payment_allowed = _may_discuss_payment(uow, case, party)  # and the party is this debtor's
    if result in PAYMENT_OUTCOMES and not payment_allowed:
        raise InvalidInput(
            "outcome: the debt may not be discussed with this person (location only); "
            "record what they said as third party reached"
        )
    return party


def _promise(uow: UnitOfWork, case_id: int, report: ContactReport, result: Outcome, now: datetime) -> Any:
    """The promise's checked terms: required with the outcome "promise", refused with any other."""
    given = bool((report.promise_amount or "").strip()) or report.promise_due is not None
    if result is not Outcome.PROMISE:
        if given:
            raise InvalidInput(
                "promise: only a conversation with the outcome 'promise to pay' can record a promise"
            )
        return None
    return promise_terms(
        uow,
        case_id,
        amount=report.promise_amount or "",
        currency=report.promise_currency,
        due=report.promise_due,
        now=now,
    )


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


def _may_discuss_payment(uow: UnitOfWork, case: Any, party: int | None) -> bool:
    if party is None:
        return True
    p, cr = t.parties.c, t.creditors.c
    role = uow.session.execute(select(p.role).where(p.id == party, p.debtor_id == case.debtor_id)).scalar()
    if role is None:
        raise InvalidInput("party: {party} is not a related party of this debtor", party=party)
    creditor = uow.session.execute(select(cr.pack, cr.pack_overrides).where(cr.id == case.creditor_id)).one()
    return may_discuss_payment(creditor.pack, creditor.pack_overrides, str(role))
