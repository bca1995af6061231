"""The click-to-call API (web/api/calls.py): 201 with the call, 409 with the gate's rules and next
allowed time, 409 on a floor without a telephone system; a call read back never names the number."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from tests.support import fake_phone
from tests.support.floor import MORNING, Floor
from tests.support.web import api_key, login_client

from huikuan import config
from huikuan.web.app import create_app


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield
    config.get_settings.cache_clear()


def test_a_call_placed_through_the_api_answers_its_id_and_state_and_reads_back_without_the_number(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    answer = client.post(f"/api/v1/cases/{case.id}/calls", json={"contact_point_id": case.mobile_id})
    assert answer.status_code == 201, answer.text
    call_id = answer.json()["call_id"]
    assert answer.json() == {"call_id": call_id, "state": "placed"}
    assert phone.placed[0].to == "+8613800000001"
    read = client.get(f"/api/v1/calls/{call_id}")
    assert read.status_code == 200 and read.json()["state"] == "placed"
    assert "13800000001" not in read.text
    assert login_client(create_app(db_env), "carol").get(f"/api/v1/calls/{call_id}").status_code == 404


def test_a_call_the_gate_refuses_answers_409_with_its_rules_and_next_allowed_time(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = fake_phone.install(monkeypatch)
    fake_phone.seat(floor)
    case = floor.cases[0]
    app = create_app(db_env)
    client = TestClient(app, headers={"Authorization": f"Bearer {api_key(app, 'alice')}"})
    with time_machine.travel(MORNING + timedelta(hours=12), tick=False):  # 22:00 in Beijing
        answer = client.post(f"/api/v1/cases/{case.id}/calls", json={"contact_point_id": case.mobile_id})
    assert answer.status_code == 409
    body = answer.json()
    assert body["rules"] == ["contact-hours"] and body["next_allowed_at"] == "2026-11-21T00:00:00Z"
    assert "contact-hours" in body["detail"] and phone.placed == []


def test_a_floor_without_a_telephone_system_answers_409_and_says_so(floor: Floor, db_env: str) -> None:
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    answer = client.post(f"/api/v1/cases/{case.id}/calls", json={"contact_point_id": case.mobile_id})
    assert answer.status_code == 409 and "no telephone system" in answer.json()["detail"]


def test_a_provider_refusal_answers_201_failed_with_its_words(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_phone.install(monkeypatch, fake_phone.FakePhone(refuse="no seat 8001"))
    fake_phone.seat(floor)
    case = floor.cases[0]
    client = login_client(create_app(db_env), "alice")
    answer = client.post(f"/api/v1/cases/{case.id}/calls", json={"contact_point_id": case.mobile_id})
    assert answer.status_code == 201
    assert answer.json()["state"] == "failed" and answer.json()["error"] == "no seat 8001"
