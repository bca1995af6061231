"""What a collector reports about a call or visit (services/contact_log.py records it), and the checks of
the report alone, before anything is read or written: the channel and outcome known and fitting each other,
times with their zone, goal codes and notes within bounds, a next action complete (channel, time and goal,
the outcome's by default) or absent. The outcomes' lists are the form's too (web/ui/contact.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from huikuan.domain.enums import Direction, Outcome
from huikuan.domain.goals import GOALS, OUTCOME_GOALS, Goal
from huikuan.errors import InvalidInput

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
# The outcomes most calls end with, offered as buttons (keys 1-6) above the full list.
COMMON_OUTCOMES = (
    Outcome.NO_ANSWER,
    Outcome.BUSY,
    Outcome.PROMISE,
    Outcome.WRONG_PARTY,
    Outcome.REFUSES,
    Outcome.CALLBACK,
)
# Outcomes a call can have and a visit cannot.
CALL_ONLY_OUTCOMES = frozenset({Outcome.BUSY, Outcome.VOICEMAIL, Outcome.NOT_CONNECTED})
# Outcomes in which the debt itself was discussed: only with the debtor or a liable party.
PAYMENT_OUTCOMES = frozenset(
    {Outcome.PROMISE, Outcome.PAID, Outcome.REFUSES, Outcome.DISPUTES, Outcome.HARDSHIP}
)
NOTE_MAX = 200  # cases.next_action_note and interactions.goal_note
NOTES_MAX = 4000
DURATION_MAX = 8 * 3600
NEXT_ACTION_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class ContactReport:
    """What the collector reports about one call or visit (as typed: the service checks it all)."""

    channel: str
    outcome: str
    party: int | None = None  # a related party; None: the debtor (or the contact point's owner)
    contact_point_id: int | None = None
    direction: str = "outbound"
    at: datetime | None = None  # when it happened; None: now
    goal: str | None = None  # a goal code; None: the case's pending next action's
    goal_note: str = ""
    goal_met: bool | None = None
    notes: str = ""
    duration_s: int = 0
    cease_requested: bool = False
    # The promise made in this conversation: only with the outcome "promise".
    promise_amount: str | None = None
    promise_currency: str | None = None
    promise_due: date | None = None
    # The case's next action: channel and time together, or neither.
    next_channel: str | None = None
    next_due_at: datetime | None = None
    next_goal: str | None = None  # a goal code; None: the outcome's
    next_note: str = ""
    # A call placed through the floor's telephone system (services/calls.py) whose contact this report
    # completes: its number, person, instant and duration are the call's, never a second contact.
    call_id: int | None = None


@dataclass(frozen=True)
class NextAction:
    channel: str | None
    goal: str | None
    note: str | None
    due_at: datetime | None


def outcome_of(report: ContactReport) -> Outcome:
    if report.channel not in CONTACT_CHANNELS:
        raise InvalidInput(
            "channel: {value} is not one of {choices}",
            value=report.channel,
            choices=", ".join(CONTACT_CHANNELS),
        )
    if report.outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome: {value} is not one of {choices}", value=report.outcome, choices=", ".join(OUTCOMES)
        )
    result = Outcome(report.outcome)
    if report.channel == "visit" and result in CALL_ONLY_OUTCOMES:
        raise InvalidInput("outcome: {value} is not an outcome of a visit", value=report.outcome)
    if report.direction not in (Direction.OUTBOUND, Direction.INBOUND):
        raise InvalidInput("direction: {value} is not inbound or outbound", value=report.direction)
    return result


def aware(field: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(
            "at: a time needs its zone" if field == "at" else "next action: a time needs its zone"
        )
    return value.astimezone(UTC)


def goal_code(field: str, value: str | None) -> str | None:
    code = (value or "").strip()
    if code and code not in GOALS:
        message = (
            "goal: {value} is not one of the goals"
            if field == "goal"
            else ("next goal: {value} is not one of the goals")
        )
        raise InvalidInput(message, value=code)
    return code or None


def note_of(field: str, value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > NOTE_MAX:
        message = (
            "goal: at most {max} characters" if field == "goal" else "next goal: at most {max} characters"
        )
        raise InvalidInput(message, max=NOTE_MAX)
    return text or None


def next_action_of(report: ContactReport, result: Outcome, now: datetime) -> NextAction:
    """The next action as reported: complete (channel, time, and a goal, the outcome's by default) or
    absent; a goal or note without a channel and a time is refused rather than kept half-made."""
    channel = report.next_channel or None
    if channel is not None and channel not in NEXT_CHANNELS:
        raise InvalidInput(
            "next action: {value} is not one of {choices}", value=channel, choices=", ".join(NEXT_CHANNELS)
        )
    if (channel is None) != (report.next_due_at is None):
        raise InvalidInput("next action: give both its channel and its date and time, or neither")
    goal = goal_code("next goal", report.next_goal)
    note = note_of("next goal", report.next_note)
    if channel is None:
        if goal is not None or note is not None:
            raise InvalidInput("next action: a goal needs the action's channel and time")
        return NextAction(None, None, None, None)
    due = aware("next action", report.next_due_at) if report.next_due_at is not None else None
    if due is not None and due < now:
        raise InvalidInput("next action: {at} is in the past", at=due.isoformat(timespec="minutes"))
    if due is not None and due > now + NEXT_ACTION_HORIZON:
        raise InvalidInput("next action: {at} is more than a year ahead", at=due.date().isoformat())
    return NextAction(channel, goal or OUTCOME_GOALS.get(result, Goal.FOLLOW_UP).value, note, due)
