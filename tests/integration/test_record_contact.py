"""A collector records what a call or visit came to, and the next action; the gate checks both first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor

from huikuan.errors import ComplianceRefused, Forbidden, InvalidInput, NotFound
from huikuan.i18n import gettext
from huikuan.services.case_labels import label
from huikuan.services.claims import take_case
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import OUTCOMES, ContactReport
from huikuan.storage import tables as t

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing
TONIGHT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Beijing, the same day as MORNING
TOMORROW = MORNING + timedelta(days=1)  # Saturday 10:00 in Beijing
EARLIER = MORNING - timedelta(minutes=30)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """The clock stands at MORNING: contacts are recorded then, next actions are due after it."""
    with time_machine.travel(MORNING, tick=False):
        yield


def _interactions(floor: Floor) -> list[Any]:
    return list(floor.uow.session.execute(select(t.interactions).order_by(t.interactions.c.id)).all())


def _case(floor: Floor, n: int = 0) -> Any:
    return floor.uow.session.execute(select(t.cases).where(t.cases.c.id == floor.cases[n].id)).one()


def _refusals(floor: Floor) -> list[Any]:
    a = t.audit_events.c
    return list(floor.uow.session.execute(select(t.audit_events).where(a.action == "contact.refused")).all())


def _decision(refused: ComplianceRefused) -> dict[str, Any]:
    assert isinstance(refused.decision, dict)
    return refused.decision


PROMISE = {"promise_amount": "1000", "promise_due": MORNING.date() + timedelta(days=3)}


def _call(floor: Floor, outcome: str, *, who: str = "alice", n: int = 0, **kw: Any) -> int:
    """alice (the case's assignee) reports a call on her case's mobile; a promise comes with its terms."""
    case = floor.cases[n]
    values: dict[str, Any] = {"channel": "call", "outcome": outcome, "contact_point_id": case.mobile_id}
    if outcome == "promise":
        values |= PROMISE
    report = ContactReport(**(values | kw))
    return log_contact(floor.uow, floor.viewer(who), case.id, report).id


def _report(**kw: Any) -> ContactReport:
    return ContactReport(**({"channel": "call", "outcome": "no_answer"} | kw))


# --- each outcome ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [o for o in OUTCOMES if o != "disputes"])
def test_each_outcome_is_recorded_with_the_next_action_and_the_case_moves_on(
    floor: Floor, outcome: str
) -> None:
    new_id = _call(
        floor,
        outcome,
        goal="agree_payment",
        goal_note=" 先问工作情况 ",
        goal_met=outcome == "promise",
        notes="  说明情况  ",
        duration_s=95,
        next_channel="call",
        next_goal="follow_up",
        next_note="再次联系",
        next_due_at=TOMORROW,
    )
    (row,) = _interactions(floor)
    assert row.id == new_id and row.outcome == outcome and row.channel == "call"
    assert row.user_id == floor.users["alice"] and row.at == MORNING and row.decision_id
    assert (row.goal, row.goal_note, row.goal_met, row.notes, row.duration_s) == (
        "agree_payment",
        "先问工作情况",
        outcome == "promise",
        "说明情况",
        95,
    )
    case = _case(floor)
    next_action = (
        case.next_action_channel,
        case.next_action_goal,
        case.next_action_note,
        case.next_action_due_at,
    )
    assert next_action == ("call", "follow_up", "再次联系", TOMORROW)
    assert case.stage == ("promised" if outcome == "promise" else "contacting")


def test_a_dispute_puts_the_case_on_hold_and_the_gate_then_refuses_a_call(floor: Floor) -> None:
    _call(floor, "disputes", notes="说这笔钱不是他借的", at=EARLIER)
    case = _case(floor)
    assert case.stage == "dispute" and case.next_action_channel is None
    disputed = floor.uow.session.execute(
        select(t.debtors.c.disputed).where(t.debtors.c.id == floor.cases[0].debtor_id)
    ).scalar_one()
    assert disputed
    with pytest.raises(ComplianceRefused) as refused:
        _call(floor, "no_answer")
    assert "dispute" in _decision(refused.value)["violations"][0]["rule"]
    assert len(_interactions(floor)) == 1


def test_a_cease_request_stops_further_contact(floor: Floor) -> None:
    _call(floor, "refuses", cease_requested=True, at=EARLIER)
    assert _case(floor).stage == "hold"
    with pytest.raises(ComplianceRefused) as refused:
        _call(floor, "no_answer", channel="visit", contact_point_id=floor.cases[0].address_id)
    assert "cease" in str(refused.value)
    assert len(_interactions(floor)) == 1 and _refusals(floor)[0].detail["rules"] == ["cease"]


def test_a_dispute_with_a_next_call_is_refused_until_the_facts_change(floor: Floor) -> None:
    with pytest.raises(ComplianceRefused) as refused:
        _call(floor, "disputes", next_channel="call", next_due_at=TOMORROW)
    assert "leave the next action empty" in str(refused.value)
    assert _interactions(floor) == [] and _case(floor).stage == "new"


def test_hardship_is_noted_on_the_debtor(floor: Floor) -> None:
    _call(floor, "hardship")
    d = t.debtors.c
    assert floor.uow.session.execute(select(d.hardship).where(d.id == floor.cases[0].debtor_id)).scalar_one()


def test_a_wrong_number_marks_the_contact_point(floor: Floor) -> None:
    _call(floor, "wrong_party")
    cp = t.contact_points.c
    status = floor.uow.session.execute(select(cp.status).where(cp.id == floor.cases[0].mobile_id))
    assert status.scalar_one() == "wrong_party"


def test_a_number_not_in_service_is_marked_disconnected(floor: Floor) -> None:
    _call(floor, "not_connected")
    cp = t.contact_points.c
    status = floor.uow.session.execute(select(cp.status).where(cp.id == floor.cases[0].mobile_id))
    assert status.scalar_one() == "disconnected"


def test_the_next_goal_defaults_to_the_outcomes_and_is_stored_as_a_code_shown_in_each_language(
    floor: Floor,
) -> None:
    _call(floor, "callback", next_channel="call", next_due_at=TOMORROW, at=EARLIER)
    goal = _case(floor).next_action_goal
    assert goal == "call_back"
    assert label("goal", goal, "zh_CN") == "按约定时间回电"
    assert label("goal", goal, "en") == "Call back as asked"


def test_the_goal_vocabulary_has_a_chinese_label_for_every_goal() -> None:
    from huikuan.domain.goals import GOALS
    from huikuan.services.case_labels import GOAL_LABELS

    assert set(GOAL_LABELS) == set(GOALS)
    for code in GOALS:
        assert gettext(GOAL_LABELS[code], "zh_CN") != GOAL_LABELS[code], code


def test_a_goal_outside_the_vocabulary_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="is not one of the goals"):
        _call(floor, "no_answer", goal="确认还款意愿")
    assert _interactions(floor) == []


def test_the_contact_goal_defaults_to_the_cases_pending_goal(floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.cases).where(t.cases.c.id == floor.cases[0].id).values(next_action_goal="assess_ability")
    )
    floor.uow.commit()
    _call(floor, "no_answer")
    assert _interactions(floor)[0].goal == "assess_ability"


# --- a next action is complete or absent ---------------------------------------------------------


def test_without_a_next_action_the_case_has_no_goal_channel_or_time(floor: Floor) -> None:
    _call(floor, "voicemail", next_channel="call", next_due_at=TOMORROW, at=EARLIER)
    _call(floor, "voicemail")
    case = _case(floor)
    assert (case.next_action_channel, case.next_action_goal, case.next_action_due_at) == (None, None, None)


def test_a_next_goal_without_a_channel_and_time_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="a goal needs the action's channel and time"):
        _call(floor, "voicemail", next_goal="reach_debtor")
    assert _interactions(floor) == []


# --- the promise is taken with the conversation --------------------------------------------------


def test_a_promise_is_recorded_with_the_conversation_and_the_next_action_checks_it(floor: Floor) -> None:
    new_id = _call(floor, "promise", promise_amount="1,200.50")
    p = floor.uow.session.execute(select(t.promises)).one()
    assert (p.amount, p.currency, p.interaction_id, p.status) == (120_050, "CNY", new_id, "pending")
    assert p.due_date == PROMISE["promise_due"]
    case = _case(floor)
    assert (case.stage, case.next_action_channel, case.next_action_goal) == (
        "promised",
        "call",
        "check_promised_payment",
    )


def test_a_promise_needs_its_amount_and_date(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="Amount: enter an amount"):
        _call(floor, "promise", promise_amount="")
    with pytest.raises(InvalidInput, match="Due date: enter the day"):
        _call(floor, "promise", promise_due=None)
    assert _interactions(floor) == [] and floor.uow.session.execute(select(t.promises)).all() == []


@pytest.mark.parametrize("outcome", ["no_answer", "voicemail", "third_party", "callback"])
def test_an_outcome_other_than_a_promise_cannot_carry_one(floor: Floor, outcome: str) -> None:
    with pytest.raises(InvalidInput, match="only a conversation with the outcome 'promise to pay'"):
        _call(floor, outcome, **PROMISE)
    assert _interactions(floor) == [] and floor.uow.session.execute(select(t.promises)).all() == []


def test_a_spouse_reached_on_her_own_number_may_only_be_asked_where_the_debtor_is(floor: Floor) -> None:
    case = floor.cases[0]
    with pytest.raises(InvalidInput, match="location only"):
        _call(floor, "promise", contact_point_id=case.spouse_mobile_id)
    _call(floor, "third_party", contact_point_id=case.spouse_mobile_id, notes="她说债务人在外地打工")
    (row,) = _interactions(floor)
    assert row.party_id == case.spouse_id  # taken from the number called


def test_a_guarantor_may_promise(floor: Floor) -> None:
    case = floor.cases[0]
    _call(floor, "promise", contact_point_id=None, party=case.guarantor_id)
    assert _interactions(floor)[0].party_id == case.guarantor_id


def test_a_visit_is_recorded_at_the_address(floor: Floor) -> None:
    case = floor.cases[0]
    _call(floor, "callback", channel="visit", contact_point_id=case.address_id, duration_s=1200)
    (row,) = _interactions(floor)
    assert (row.channel, row.contact_point_id, row.outcome) == ("visit", case.address_id, "callback")


def test_an_inbound_call_is_recorded_whatever_the_hour(floor: Floor) -> None:
    _call(floor, "promise", at=NIGHT, direction="inbound", contact_point_id=None)
    (row,) = _interactions(floor)
    assert row.direction == "inbound" and row.decision_id is None


# --- the gate ------------------------------------------------------------------------------------


def test_a_call_at_night_is_refused_nothing_is_recorded_and_the_refusal_is_kept(floor: Floor) -> None:
    with pytest.raises(ComplianceRefused) as refused:
        _call(floor, "no_answer", at=NIGHT, next_channel="call", next_due_at=TOMORROW)
    assert "contact-hours" in str(refused.value)
    assert "2026-11-20 08:00 (Asia/Shanghai)" in str(refused.value)
    assert "2026-11-20 08:00" in refused.value.translated("zh_CN")
    assert _interactions(floor) == []
    assert _case(floor).next_action_channel is None and _case(floor).stage == "new"
    (refusal,) = _refusals(floor)
    assert refusal.user_id == floor.users["alice"] and refusal.detail["rules"] == ["contact-hours"]


def test_a_next_call_at_night_is_refused_with_its_next_allowed_time_and_nothing_is_recorded(
    floor: Floor,
) -> None:
    with pytest.raises(ComplianceRefused) as refused:
        _call(floor, "callback", next_channel="call", next_due_at=TONIGHT)
    assert _decision(refused.value)["next_allowed_at"] == "2026-11-21T00:00:00Z"
    assert "next allowed at 2026-11-21 08:00 (Asia/Shanghai)" in str(refused.value)
    assert _interactions(floor) == []
    case = _case(floor)
    assert (case.next_action_channel, case.next_action_due_at, case.stage) == (None, None, "new")
    (refusal,) = _refusals(floor)
    assert refusal.detail["next_action"] is True and refusal.detail["rules"] == ["contact-hours"]


def test_the_next_action_is_checked_with_this_contact_in_the_history(floor: Floor) -> None:
    # Three conversations a day is the cn pack's cap: the third call's next call the same day is refused.
    _call(floor, "callback", at=EARLIER - timedelta(minutes=30))
    _call(floor, "callback", at=EARLIER)
    with pytest.raises(ComplianceRefused, match="daily-call-cap"):
        _call(
            floor,
            "callback",
            next_channel="call",
            next_due_at=MORNING + timedelta(hours=2),
        )
    assert len(_interactions(floor)) == 2


# --- who may record ----------------------------------------------------------------------------


def test_a_read_only_viewer_may_not_record(floor: Floor) -> None:
    with pytest.raises(Forbidden):
        log_contact(floor.uow, floor.viewer("vic"), floor.cases[0].id, _report())
    assert _interactions(floor) == []


def test_a_collector_of_another_team_does_not_see_the_case(floor: Floor) -> None:
    with pytest.raises(NotFound):
        log_contact(floor.uow, floor.viewer("carol"), floor.cases[0].id, _report())


def test_a_collector_may_not_work_a_case_it_neither_holds_nor_is_assigned(floor: Floor) -> None:
    # Case 3 is unassigned: alice sees it in the pool, and works it once she has taken it.
    with pytest.raises(Forbidden, match="Take this case from your queue"):
        _call(floor, "no_answer", n=2)
    assert take_case(floor.uow, floor.viewer("alice"), floor.cases[2].id)
    _call(floor, "no_answer", n=2)
    assert len(_interactions(floor)) == 1


def test_a_case_held_by_someone_else_says_by_whom(floor: Floor) -> None:
    assert take_case(floor.uow, floor.viewer("bob"), floor.cases[2].id)
    with pytest.raises(Forbidden) as held:
        _call(floor, "no_answer", n=2)
    bob = floor.viewer("bob").display_name
    assert bob in str(held.value) and bob in held.value.translated("zh_CN")
    # bob's own case is his: alice, of the same team, sees it but may not write to it
    with pytest.raises(Forbidden):
        _call(floor, "no_answer", n=1)
    assert _interactions(floor) == []


def test_a_supervisor_may_work_any_case_and_doing_so_on_anothers_case_is_recorded(floor: Floor) -> None:
    _call(floor, "no_answer", who="sue")
    (row,) = _interactions(floor)
    assert row.user_id == floor.users["sue"]
    a = t.audit_events.c
    (event,) = floor.uow.session.execute(
        select(t.audit_events).where(a.action == "case.worked_by_supervisor")
    ).all()
    assert event.user_id == floor.users["sue"] and event.detail["assigned_to"] == floor.users["alice"]


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"outcome": "maybe"}, "outcome: maybe is not one of"),
        ({"outcome": "refused_by_gate"}, "outcome: refused_by_gate is not one of"),
        ({"channel": "sms"}, "channel: sms is not one of call, visit"),
        ({"channel": "visit", "outcome": "busy", "contact_point_id": None}, "not an outcome of a visit"),
        ({"next_channel": "call", "next_due_at": MORNING - timedelta(hours=1)}, "is in the past"),
        ({"next_channel": "call", "next_due_at": MORNING + timedelta(days=400)}, "more than a year"),
        ({"next_channel": "call"}, "give both its channel and its date"),
        ({"next_channel": "fax", "next_due_at": TOMORROW}, "next action: fax is not one of"),
        ({"next_channel": "call", "next_due_at": datetime(2026, 11, 21, 10)}, "needs its zone"),
        ({"goal_note": "长" * 201}, "goal: at most 200 characters"),
        ({"next_channel": "call", "next_due_at": TOMORROW, "next_note": "x" * 201}, "next goal: at most 200"),
        ({"next_goal": "win"}, "next goal: win is not one of the goals"),
        ({"outcome": "no_answer", "promise_amount": "10"}, "only a conversation with the outcome"),
        ({"notes": "x" * 4001}, "notes: at most 4000 characters"),
        ({"duration_s": -5}, "is not between 0 and 8 hours"),
        ({"at": MORNING + timedelta(minutes=5)}, "cannot be recorded in the future"),
        ({"at": datetime(2026, 11, 20, 9, 0)}, "at: a time needs its zone"),
        ({"contact_point_id": 999_999}, "not one of this case's"),
        ({"channel": "visit"}, "a visit needs an address"),
        ({"contact_point_id": None, "party": 999_999}, "not a related party of this debtor"),
        ({"direction": "sideways"}, "not inbound or outbound"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    floor: Floor, changes: dict[str, Any], message: str
) -> None:
    given = {"outcome": "no_answer"} | changes
    with pytest.raises(InvalidInput) as bad:
        _call(floor, **given)
    assert message in str(bad.value)
    assert bad.value.translated("zh_CN") != str(bad.value)  # it has a Chinese translation
    assert _interactions(floor) == [] and _refusals(floor) == []
    case = _case(floor)
    assert (case.stage, case.next_action_channel, case.next_action_goal) == ("new", None, None)


def test_a_contact_point_of_another_debtor_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="not one of this case's"):
        _call(floor, "no_answer", contact_point_id=floor.cases[1].mobile_id)


def test_an_unknown_case_is_not_found(floor: Floor) -> None:
    with pytest.raises(NotFound) as missing:
        log_contact(floor.uow, floor.viewer("alice"), 424242, _report())
    assert "424242" in str(missing.value) and _interactions(floor) == []


def test_a_call_to_an_address_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="a call needs a phone number"):
        _call(floor, "no_answer", contact_point_id=floor.cases[0].address_id)
    assert _interactions(floor) == []
