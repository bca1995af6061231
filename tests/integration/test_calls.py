"""Click-to-call (services/calls.py, docs/telephony.md): the gate asked at the instant of dialling, the
call written with the contact it counts as before the provider is asked, the provider's answer kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select, update
from tests.support.fake_phone import FakePhone, seat
from tests.support.floor import MORNING, Floor, us_case

from huikuan import config
from huikuan.errors import Conflict, InvalidInput
from huikuan.services.calls import FloorPhone, dial
from huikuan.services.contacts import record_contact
from huikuan.storage import tables as t


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):  # 10:00 in Beijing, a Friday
        yield
    config.get_settings.cache_clear()


def us_debtor(floor: Floor) -> object:
    """Jane Roe of Springfield, Illinois (tests/support/floor.us_case), with a US mobile."""
    us = us_case(floor)
    s = floor.uow.session
    s.execute(
        update(t.contact_points).where(t.contact_points.c.id == us.mobile_id).values(value="+12175550101")
    )
    s.execute(
        update(t.debtors)
        .where(t.debtors.c.id == us.debtor_id)
        .values(address_country="US", address_region="IL", time_zone="America/Chicago")
    )
    floor.uow.commit()
    return us


def line(phone: FakePhone) -> FloorPhone:
    return FloorPhone("aliyun", phone, "+861012345678")


def call_row(floor: Floor, call_id: int) -> object:
    return floor.uow.session.execute(select(t.calls).where(t.calls.c.id == call_id)).one()


def interaction(floor: Floor, interaction_id: int) -> object:
    i = t.interactions.c
    return floor.uow.session.execute(select(t.interactions).where(i.id == interaction_id)).one()


def test_a_click_rings_the_collectors_seat_then_the_debtor_and_counts_as_a_contact_at_once(
    floor: Floor,
) -> None:
    seat(floor, "alice")
    phone = FakePhone()
    case = floor.cases[0]
    done = dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, line(phone))
    assert done.state == "placed"
    (request,) = phone.placed
    assert (request.call_id, request.extension, request.to) == (done.call_id, "8001", "+8613800000001")
    assert request.caller_id == "+861012345678"
    assert request.announce_recording is False  # the cn pack asks for no notice
    row = call_row(floor, request.call_id)
    assert (row.state, row.provider, row.provider_ref, row.user_id) == (
        "placed",
        "aliyun",
        f"FAKE-{request.call_id}",
        floor.users["alice"],
    )
    assert row.decision_id
    contact = interaction(floor, row.interaction_id)
    assert (contact.channel, contact.direction, contact.outcome) == ("call", "outbound", "placed")
    assert contact.decision_id == row.decision_id and contact.contact_point_id == case.mobile_id
    actions = floor.uow.session.execute(
        select(t.audit_events.c.action).where(t.audit_events.c.entity == "call")
    ).scalars()
    assert list(actions) == ["call.dialled"]


def test_a_call_the_provider_refuses_is_failed_with_its_words_and_stands_as_no_contact(
    floor: Floor,
) -> None:
    seat(floor, "alice")
    case = floor.cases[0]
    done = dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, line(FakePhone(refuse="余额不足")))
    assert (done.state, done.error) == ("failed", "余额不足")
    row = call_row(floor, done.call_id or 0)
    assert (row.state, row.error, row.interaction_id) == ("failed", "余额不足", None)
    count = floor.uow.session.execute(
        select(t.interactions.c.id).where(t.interactions.c.case_id == case.id)
    ).all()
    assert count == []


def test_a_us_reg_f_call_announces_the_recording(floor: Floor) -> None:
    us: Any = us_debtor(floor)
    seat(floor, "alice")
    phone = FakePhone()
    with time_machine.travel(MORNING + timedelta(hours=12), tick=False):  # 09:00 in New York
        done = dial(floor.uow, floor.viewer("alice"), us.id, us.mobile_id, line(phone))
    assert done.state == "placed", done.refusal
    assert phone.placed[0].announce_recording is True
    assert call_row(floor, done.call_id or 0).announce_recording is True


def test_a_collector_without_an_extension_is_told_to_have_one_set(floor: Floor) -> None:
    case = floor.cases[0]
    with pytest.raises(InvalidInput, match="no phone extension"):
        dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, line(FakePhone()))


def test_a_floor_without_a_telephone_system_places_no_call(floor: Floor) -> None:
    seat(floor, "alice")
    case = floor.cases[0]
    with pytest.raises(Conflict, match="no telephone system"):
        dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, None)


def test_only_a_phone_number_of_the_case_can_be_called(floor: Floor) -> None:
    seat(floor, "alice")
    case, other = floor.cases[0], floor.cases[1]
    phone = FakePhone()
    with pytest.raises(InvalidInput, match="not one of this case's"):
        dial(floor.uow, floor.viewer("alice"), case.id, other.mobile_id, line(phone))
    with pytest.raises(InvalidInput, match="needs a phone number"):
        dial(floor.uow, floor.viewer("alice"), case.id, case.email_id, line(phone))
    assert phone.placed == []


def test_a_collector_may_not_call_on_a_case_they_do_not_work(floor: Floor) -> None:
    from huikuan.errors import Forbidden

    seat(floor, "bob")
    case = floor.cases[0]  # alice's
    phone = FakePhone()
    with pytest.raises(Forbidden):
        dial(floor.uow, floor.viewer("bob"), case.id, case.mobile_id, line(phone))
    assert phone.placed == []


def test_a_refused_call_is_kept_as_an_audit_event_with_its_rules_and_never_dialled(floor: Floor) -> None:
    seat(floor, "alice")
    case = floor.cases[0]
    phone = FakePhone()
    with time_machine.travel(MORNING + timedelta(hours=12), tick=False):  # 22:00 in Beijing
        done = dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, line(phone))
    assert done.state == "refused" and "contact-hours" in done.rules
    assert done.next_allowed_at is not None and done.refusal is not None
    assert phone.placed == []
    assert floor.uow.session.execute(select(t.calls.c.id)).all() == []
    refused = floor.uow.session.execute(
        select(t.audit_events.c.detail).where(t.audit_events.c.action == "contact.refused")
    ).scalar_one()
    assert refused["channel"] == "call" and refused["contact_point_id"] == case.mobile_id


def test_a_second_click_an_hour_later_on_a_debtor_at_the_cn_daily_cap_is_refused(floor: Floor) -> None:
    """Two calls talked today, and a third clicked at 10:00 whose record has not come (its callback was
    lost): the click counts from the instant it was dialled, so at 11:00 the daily cap of 3 connected calls
    refuses the next one until tomorrow."""
    seat(floor, "alice")
    case = floor.cases[0]
    for hours in (1, 1.5):
        record_contact(
            floor.uow,
            case.id,
            channel="call",
            outcome="refuses",
            user_id=floor.users["alice"],
            at=MORNING - timedelta(hours=hours),
            contact_point_id=case.mobile_id,
        )
    phone = FakePhone()
    first = dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, line(phone))
    assert first.state == "placed"
    with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
        second = dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, line(phone))
    assert second.state == "refused"
    assert second.rules == ("daily-call-cap",)
    assert second.next_allowed_at == "2026-11-21T00:00:00Z"  # 08:00 tomorrow in Beijing, hours open
    assert len(phone.placed) == 1


def test_a_click_counts_for_call_frequency_from_the_instant_of_dialling(floor: Floor) -> None:
    """us-reg-f: 7 calls in 7 days reach the limit; the 7th is a click whose record has not come."""
    us: Any = us_debtor(floor)
    seat(floor, "alice")
    noon_ny = MORNING + timedelta(hours=15)  # 12:00 in New York
    for days in range(1, 7):
        record_contact(
            floor.uow,
            us.id,
            channel="call",
            outcome="no_answer",
            user_id=floor.users["alice"],
            at=noon_ny - timedelta(days=days),
            contact_point_id=us.mobile_id,
        )
    phone = FakePhone()
    with time_machine.travel(noon_ny, tick=False):
        assert dial(floor.uow, floor.viewer("alice"), us.id, us.mobile_id, line(phone)).state == "placed"
    with time_machine.travel(noon_ny + timedelta(hours=1), tick=False):
        again = dial(floor.uow, floor.viewer("alice"), us.id, us.mobile_id, line(phone))
    assert again.state == "refused" and "call-frequency" in again.rules
