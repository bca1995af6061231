"""Paced ("power") dialling (services/power_dial.py, docs/telephony.md): the next case of the collector's
work is dialled only when the collector is free (the previous call ended and its outcome given) and the
pause is over, and only if the gate allows that call at that instant; never two calls at once.

Alice's work on the floor (tests/support/floor.py) is, in this order, case 1 (hers), case 2 (bob's, of her
team) and case 3 (the pool), all due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, update
from tests.support.fake_phone import FakePhone, record_of, seat
from tests.support.floor import MORNING, Floor

from huikuan import config
from huikuan.errors import Conflict, Forbidden
from huikuan.services.call_records import take_records
from huikuan.services.calls import FloorPhone, dial
from huikuan.services.claims import take_case
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import ContactReport
from huikuan.services.power_dial import NO_PHONE, power_state, start, step, stop
from huikuan.storage import tables as t


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):  # 10:00 in Beijing, a Friday
        yield
    config.get_settings.cache_clear()


@pytest.fixture
def phone(floor: Floor) -> FakePhone:
    """Alice has a seat (8001) on a floor whose telephone system is the fake one."""
    seat(floor, "alice")
    return FakePhone()


def line(phone: FakePhone) -> FloorPhone:
    return FloorPhone("aliyun", phone, "+861012345678")


def call(floor: Floor, call_id: int | None) -> object:
    return floor.uow.session.execute(select(t.calls).where(t.calls.c.id == call_id)).one()


def record_comes(floor: Floor, phone: FakePhone, *, answered: bool = True) -> None:
    """The provider's record of the last call placed arrives."""
    take_records(floor.uow, "aliyun", [record_of(phone.placed[-1], MORNING, answered=answered)], "callback")


def outcome_given(floor: Floor, case_id: int, call_id: int | None) -> None:
    report = ContactReport(channel="call", outcome="refuses", call_id=call_id)
    log_contact(floor.uow, floor.viewer("alice"), case_id, report)


def test_the_first_step_rings_the_first_case_of_my_work_and_claims_it(floor: Floor, phone: FakePhone) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    done = step(floor.uow, alice, line(phone))
    assert (done.did, done.case_id) == ("dialled", floor.cases[0].id)
    row = call(floor, done.call_id)
    assert (row.mode, row.state, row.user_id, row.contact_point_id) == (
        "power",
        "placed",
        floor.users["alice"],
        floor.cases[0].mobile_id,
    )
    claimed = floor.uow.session.execute(
        select(t.cases.c.claimed_by).where(t.cases.c.id == floor.cases[0].id)
    ).scalar_one()
    assert claimed == floor.users["alice"]
    assert (done.state.dialled, done.state.last_case_id) == (1, floor.cases[0].id)


def test_the_collector_is_busy_until_the_call_has_ended_and_its_outcome_is_given(
    floor: Floor, phone: FakePhone
) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    first = step(floor.uow, alice, line(phone))
    on_line = step(floor.uow, alice, line(phone))
    assert on_line.did == "busy" and on_line.state.busy is not None and on_line.state.busy.on_line
    record_comes(floor, phone)
    wrapping_up = step(floor.uow, alice, line(phone))
    assert wrapping_up.did == "busy" and wrapping_up.state.busy is not None
    assert not wrapping_up.state.busy.on_line and wrapping_up.state.busy.case_id == floor.cases[0].id
    assert len(phone.placed) == 1  # never a second call while the first is not done
    outcome_given(floor, floor.cases[0].id, first.call_id)
    second = step(floor.uow, alice, line(phone))
    assert (second.did, second.case_id) == ("dialled", floor.cases[1].id)
    assert len(phone.placed) == 2


def test_an_unanswered_call_records_itself_and_frees_the_collector(floor: Floor, phone: FakePhone) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    step(floor.uow, alice, line(phone))
    record_comes(floor, phone, answered=False)
    assert step(floor.uow, alice, line(phone)).did == "dialled"


def test_a_case_called_since_the_start_is_not_dialled_again_though_still_due(
    floor: Floor, phone: FakePhone
) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    # A click on case 3 while power dialling runs, then the dialler's own calls.
    take_case(floor.uow, alice, floor.cases[2].id)
    dial(floor.uow, alice, floor.cases[2].id, floor.cases[2].mobile_id, line(phone))
    record_comes(floor, phone, answered=False)
    first = step(floor.uow, alice, line(phone))
    record_comes(floor, phone, answered=False)
    second = step(floor.uow, alice, line(phone))
    assert (first.case_id, second.case_id) == (floor.cases[0].id, floor.cases[1].id)
    record_comes(floor, phone, answered=False)
    assert step(floor.uow, alice, line(phone)).state.stop_reason == "nothing_due"


def test_the_pause_runs_from_the_moment_the_collector_is_free_and_can_be_cut_short(
    floor: Floor, phone: FakePhone
) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=10)
    waiting = step(floor.uow, alice, line(phone))
    assert waiting.did == "waiting" and waiting.state.next_at == MORNING + timedelta(seconds=10)
    with time_machine.travel(MORNING + timedelta(seconds=9), tick=False):
        assert step(floor.uow, alice, line(phone)).did == "waiting"
    with time_machine.travel(MORNING + timedelta(seconds=10), tick=False):
        assert step(floor.uow, alice, line(phone)).did == "dialled"
    record_comes(floor, phone, answered=False)
    with time_machine.travel(MORNING + timedelta(seconds=60), tick=False):
        assert step(floor.uow, alice, line(phone)).did == "waiting"  # free again: the pause again
        assert step(floor.uow, alice, line(phone), at_once=True).did == "dialled"


def test_a_case_with_no_number_to_ring_is_passed_over_and_the_next_one_dialled(
    floor: Floor, phone: FakePhone
) -> None:
    floor.uow.session.execute(
        update(t.contact_points)
        .where(t.contact_points.c.id == floor.cases[0].mobile_id)
        .values(status="do_not_contact")
    )
    floor.uow.commit()
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    done = step(floor.uow, alice, line(phone))
    assert (done.did, done.case_id) == ("dialled", floor.cases[1].id)
    (skip,) = done.state.skips
    assert (skip.case_id, skip.rules, skip.next_allowed_at) == (floor.cases[0].id, (NO_PHONE,), None)
    held = floor.uow.session.execute(
        select(t.cases.c.claimed_by).where(t.cases.c.id == floor.cases[0].id)
    ).scalar_one()
    assert held is None  # the case passed over goes back to the queue


def test_cases_the_gate_refuses_now_are_passed_over_until_the_time_it_gives(
    floor: Floor, phone: FakePhone
) -> None:
    alice = floor.viewer("alice")
    night = MORNING + timedelta(hours=12)  # 22:00 in Beijing: no calls until 08:00
    with time_machine.travel(night, tick=False):
        start(floor.uow, alice, line(phone), gap_s=0)
        done = step(floor.uow, alice, line(phone))
        assert done.did == "waiting" and done.state.running and phone.placed == []
        skips = {s.case_id: s for s in done.state.skips}
        assert set(skips) == {c.id for c in floor.cases}
        first = skips[floor.cases[0].id]
        assert first.rules and first.next_allowed_at is not None and first.next_allowed_at > night
        # Asked again within the night: the same cases are not asked of the gate again.
        again = step(floor.uow, alice, line(phone))
        assert again.did == "waiting" and again.state.skipped == 3
    with time_machine.travel(first.next_allowed_at + timedelta(minutes=1), tick=False):
        assert step(floor.uow, alice, line(phone)).did == "dialled"


def test_with_nothing_due_it_stops_and_says_so(floor: Floor, phone: FakePhone) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    for _ in range(2):
        step(floor.uow, alice, line(phone))
        record_comes(floor, phone, answered=False)
    floor.uow.session.execute(
        update(t.cases).values(next_action_due_at=MORNING + timedelta(days=3), next_action_channel="call")
    )
    floor.uow.commit()
    done = step(floor.uow, alice, line(phone))
    assert done.did == "stopped" and done.state.stop_reason == "nothing_due" and not done.state.running


def test_a_provider_refusing_the_call_stops_it_with_its_words(floor: Floor, phone: FakePhone) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    phone.refuse = "坐席 8001 未登录"
    done = step(floor.uow, alice, line(phone))
    assert done.did == "stopped"
    assert (done.state.stop_reason, done.state.stop_detail) == ("provider", "坐席 8001 未登录")


def test_a_second_window_stepping_at_the_same_time_does_not_dial(floor: Floor, phone: FakePhone) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    floor.uow.session.execute(
        update(t.power_sessions).values(stepping_until=MORNING + timedelta(seconds=20))
    )  # the other window's step holds the session
    floor.uow.commit()
    assert step(floor.uow, alice, line(phone)).did == "busy" and phone.placed == []
    with time_machine.travel(MORNING + timedelta(seconds=21), tick=False):  # a hold outlives no crash
        assert step(floor.uow, alice, line(phone)).did == "dialled"


def test_stopped_it_dials_nothing_and_a_new_start_begins_from_nothing(floor: Floor, phone: FakePhone) -> None:
    alice = floor.viewer("alice")
    start(floor.uow, alice, line(phone), gap_s=0)
    step(floor.uow, alice, line(phone))
    stopped = stop(floor.uow, alice)
    assert not stopped.running and stopped.stop_reason == "collector" and stopped.dialled == 1
    record_comes(floor, phone, answered=False)
    assert step(floor.uow, alice, line(phone)).did == "stopped" and len(phone.placed) == 1
    again = start(floor.uow, alice, line(phone), gap_s=5)
    assert again.running and (again.dialled, again.skipped, again.gap_s) == (0, 0, 5)
    actions = floor.uow.session.execute(
        select(t.audit_events.c.action)
        .where(t.audit_events.c.action.like("power.%"))
        .order_by(t.audit_events.c.id)
    ).scalars()
    assert list(actions) == ["power.started", "power.stopped", "power.started"]


def test_a_floor_without_a_telephone_system_or_a_reader_cannot_start_it(
    floor: Floor, phone: FakePhone
) -> None:
    with pytest.raises(Conflict):
        start(floor.uow, floor.viewer("alice"), None)
    with pytest.raises(Forbidden):
        start(floor.uow, floor.viewer("vic"), line(phone))
    start(floor.uow, floor.viewer("alice"), line(phone), gap_s=0)
    done = step(floor.uow, floor.viewer("alice"), None)  # the telephone system taken away meanwhile
    assert done.did == "stopped" and done.state.stop_reason == "no_telephony"
    assert not power_state(floor.uow, floor.viewer("bob")).running  # never started
