"""The provider's call records (services/call_records.py): from its callback or the reconciliation job,
each fills its call and the contact the call counts as, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.support import fake_phone
from tests.support.fake_phone import FakePhone, callback_body, record_of
from tests.support.floor import MORNING, Floor

from huikuan import config
from huikuan.channels.telephony import CallRecord
from huikuan.sealing import unseal
from huikuan.services.call_records import reconcile_calls, take_records
from huikuan.services.calls import FloorPhone, dial
from huikuan.services.jobs import run_due
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield
    config.get_settings.cache_clear()


def placed_call(floor: Floor, phone: FakePhone) -> Any:
    floor.uow.session.execute(
        update(t.users).where(t.users.c.id == floor.users["alice"]).values(phone_extension="8001")
    )
    floor.uow.commit()
    case = floor.cases[0]
    done = dial(floor.uow, floor.viewer("alice"), case.id, case.mobile_id, FloorPhone("aliyun", phone))
    assert done.state == "placed"
    return phone.placed[-1]


def call_and_contact(floor: Floor, call_id: int) -> tuple[Any, Any]:
    call = floor.uow.session.execute(select(t.calls).where(t.calls.c.id == call_id)).one()
    contact = floor.uow.session.execute(
        select(t.interactions).where(t.interactions.c.id == call.interaction_id)
    ).one()
    return call, contact


def test_an_answered_calls_record_fills_the_call_and_its_contact_with_the_providers_times(
    floor: Floor,
) -> None:
    phone = FakePhone()
    request = placed_call(floor, phone)
    started = MORNING + timedelta(seconds=20)
    counts = take_records(floor.uow, "aliyun", [record_of(request, started, talk=183)], "callback")
    assert counts == {"taken": 1, "already": 0, "unknown": 0}
    call, contact = call_and_contact(floor, request.call_id)
    assert (call.state, call.answered, call.ring_seconds, call.talk_seconds, call.hung_up_by) == (
        "ended",
        True,
        7,
        183,
        "customer",
    )
    assert call.started_at == started and call.record_source == "callback"
    assert call.recording_ref == f"rec-{request.call_id}"
    assert call.dialled != "+8613800000001" and unseal(call.dialled) == "+8613800000001"
    assert (contact.at, contact.duration_s, contact.outcome) == (started, 183, "answered")


def test_a_call_nobody_answered_records_itself_as_no_answer(floor: Floor) -> None:
    phone = FakePhone()
    request = placed_call(floor, phone)
    take_records(floor.uow, "aliyun", [record_of(request, MORNING, answered=False)], "callback")
    call, contact = call_and_contact(floor, request.call_id)
    assert (call.answered, contact.outcome, contact.duration_s) == (False, "no_answer", 0)


def test_the_same_record_twice_changes_nothing(floor: Floor) -> None:
    phone = FakePhone()
    request = placed_call(floor, phone)
    rec = record_of(request, MORNING, talk=60)
    take_records(floor.uow, "aliyun", [rec], "callback")
    before = call_and_contact(floor, request.call_id)
    counts = take_records(floor.uow, "aliyun", [rec], "reconcile")
    assert counts == {"taken": 0, "already": 1, "unknown": 0}
    assert call_and_contact(floor, request.call_id) == before
    assert before[0].record_source == "callback"


def test_a_record_matched_by_the_echoed_call_id_when_the_provider_ref_was_never_kept(floor: Floor) -> None:
    phone = FakePhone()
    request = placed_call(floor, phone)
    floor.uow.session.execute(update(t.calls).values(provider_ref=None, state="placing"))
    floor.uow.commit()
    take_records(floor.uow, "aliyun", [record_of(request, MORNING)], "callback")
    call, _ = call_and_contact(floor, request.call_id)
    assert (call.state, call.provider_ref) == ("ended", f"FAKE-{request.call_id}")


def test_a_record_of_no_call_of_ours_is_counted_and_audited_never_a_contact(floor: Floor) -> None:
    stranger = CallRecord("OTHER-1", "+8613912345678", MORNING, True, 3, 40, "agent")
    before = floor.uow.session.execute(select(t.interactions.c.id)).all()
    assert take_records(floor.uow, "aliyun", [stranger], "callback") == {
        "taken": 0,
        "already": 0,
        "unknown": 1,
    }
    assert floor.uow.session.execute(select(t.interactions.c.id)).all() == before
    detail = floor.uow.session.execute(
        select(t.audit_events.c.detail).where(t.audit_events.c.action == "call.record_unknown")
    ).scalar_one()
    assert detail == {"provider": "aliyun", "provider_ref": "OTHER-1", "source": "callback"}


def test_the_reconciliation_fills_a_lost_callback_and_keeps_its_watermark(floor: Floor) -> None:
    phone = FakePhone()
    request = placed_call(floor, phone)
    phone.records.append(record_of(request, MORNING, talk=30))
    line = FloorPhone("aliyun", phone)
    first = reconcile_calls(floor.uow, MORNING + timedelta(minutes=5), line)
    assert (first["taken"], first["watermark"]) == (1, (MORNING + timedelta(minutes=5)).isoformat())
    assert phone.asked_since == [MORNING + timedelta(minutes=5) - timedelta(days=1)]
    assert call_and_contact(floor, request.call_id)[0].record_source == "reconcile"


def test_the_reconcile_job_polls_since_its_watermark_less_a_margin(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huikuan.storage.engine import get_engine

    phone = fake_phone.install(monkeypatch)
    request = placed_call(floor, phone)
    phone.records.append(record_of(request, MORNING, talk=30))
    engine = get_engine(db_env)
    first = run_due(engine, now=MORNING + timedelta(minutes=5), only="calls-reconcile")
    assert first["calls-reconcile"]["taken"] == 1
    second = run_due(engine, now=MORNING + timedelta(minutes=10), only="calls-reconcile")
    assert second["calls-reconcile"]["already"] == 1
    assert phone.asked_since[-1] == MORNING + timedelta(minutes=5) - timedelta(hours=1)


def test_a_floor_without_a_telephone_system_reconciles_nothing(floor: Floor) -> None:
    assert reconcile_calls(floor.uow, MORNING, None) == {"taken": 0, "already": 0, "unknown": 0}


def test_the_callback_takes_signed_records_and_refuses_the_rest(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    request = placed_call(floor, phone)
    client = TestClient(create_app(db_env))
    path = f"/api/v1/callbacks/calls/aliyun/{fake_phone.CALLBACK_SECRET}"
    body = callback_body([record_of(request, MORNING, talk=44)])
    signed = {fake_phone.SIGNATURE: fake_phone.SIGNED}
    assert client.post(path, content=body, headers={fake_phone.SIGNATURE: "forged"}).status_code == 403
    assert client.post(path.replace("aliyun", "twilio"), content=body, headers=signed).status_code == 404
    assert client.post(path[:-3] + "bad", content=body, headers=signed).status_code == 404
    assert client.post(path, content=b"[" + b" " * 300_000 + b"]", headers=signed).status_code == 413
    answer = client.post(path, content=body, headers=signed)
    assert answer.status_code == 200 and answer.json() == {"taken": 1, "already": 0, "unknown": 0}
    assert client.post(path, content=body, headers=signed).json()["already"] == 1
    floor.uow.session.rollback()
    call, contact = call_and_contact(floor, request.call_id)
    assert (call.record_source, contact.duration_s) == ("callback", 44)


def test_no_callback_address_exists_on_a_floor_without_a_telephone_system(db_env: str) -> None:
    client = TestClient(create_app(db_env))
    assert client.post("/api/v1/callbacks/calls/aliyun/x", content=b"[]").status_code == 404
    assert datetime.now(UTC) == MORNING
