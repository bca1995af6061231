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
from huikuan.services.contacts import OUTCOMES, log_contact
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


def _call(floor: Floor, outcome: str, **kw: Any) -> int:
    case = floor.cases[0]
    values: dict[str, Any] = {"channel": "call", "outcome": outcome, "contact_point_id": case.mobile_id}
    return log_contact(floor.uow, floor.viewer("alice"), case.id, **(values | kw))


# --- each outcome ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [o for o in OUTCOMES if o != "disputes"])
def test_each_outcome_is_recorded_with_the_next_action_and_the_case_moves_to_contacting(
    floor: Floor, outcome: str
) -> None:
    new_id = _call(
        floor,
        outcome,
        goal="确认还款意愿",
        goal_met=outcome == "promise",
        notes="  说明情况  ",
        duration_s=95,
        next_channel="call",
        next_goal="再次联系",
        next_due_at=TOMORROW,
    )
    (row,) = _interactions(floor)
    assert row.id == new_id and row.outcome == outcome and row.channel == "call"
    assert row.user_id == floor.users["alice"] and row.at == MORNING and row.decision_id
    assert (row.goal, row.goal_met, row.notes, row.duration_s) == (
        "确认还款意愿",
        outcome == "promise",
        "说明情况",
        95,
    )
    case = _case(floor)
    assert (case.next_action_channel, case.next_action_goal, case.next_action_due_at) == (
        "call",
        "再次联系",
        TOMORROW,
    )
    assert case.stage == "contacting"


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


def test_the_next_goal_defaults_by_outcome_in_the_collectors_language(floor: Floor) -> None:
    _call(floor, "callback", next_channel="call", next_due_at=TOMORROW, at=EARLIER)
    assert _case(floor).next_action_goal == "按约定时间回电"
    floor.uow.session.execute(update(t.users).where(t.users.c.username == "alice").values(locale="en"))
    floor.uow.commit()
    _call(floor, "refuses")
    assert _case(floor).next_action_goal == "Explain the consequences lawfully and offer a plan"


def test_the_contact_goal_defaults_to_the_cases_pending_goal(floor: Floor) -> None:
    floor.uow.session.execute(
        update(t.cases).where(t.cases.c.id == floor.cases[0].id).values(next_action_goal="核实还款能力")
    )
    floor.uow.commit()
    _call(floor, "no_answer")
    assert _interactions(floor)[0].goal == "核实还款能力"


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
        log_contact(floor.uow, floor.viewer("vic"), floor.cases[0].id, channel="call", outcome="no_answer")
    assert _interactions(floor) == []


def test_a_collector_of_another_team_does_not_see_the_case(floor: Floor) -> None:
    with pytest.raises(NotFound):
        log_contact(floor.uow, floor.viewer("carol"), floor.cases[0].id, channel="call", outcome="no_answer")


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
        ({"goal": "长" * 201}, "goal: at most 200 characters"),
        ({"next_goal": "x" * 201}, "next goal: at most 200 characters"),
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
        log_contact(floor.uow, floor.viewer("alice"), 424242, channel="call", outcome="no_answer")
    assert "424242" in str(missing.value) and _interactions(floor) == []


def test_a_call_to_an_address_is_refused(floor: Floor) -> None:
    with pytest.raises(InvalidInput, match="a call needs a phone number"):
        _call(floor, "no_answer", contact_point_id=floor.cases[0].address_id)
    assert _interactions(floor) == []
