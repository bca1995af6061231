"""The providers' inbound routes: the provider's Bearer token as for delivery reports, the same answer
whoever the sender, and what each route does (services/inbound.py does the rest, test_inbound.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings

from huikuan.services.contacts import check_contact
from huikuan.storage import tables as t
from huikuan.web.app import create_app

TOKEN = {"Authorization": "Bearer cb-token"}
TD = {"from": "+8613800000001", "to": "10690000", "text": "TD", "received_at": "2026-11-20T01:59:00Z"}


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"), sms_token="cb-token")
    return create_app(db_env)


@pytest.mark.parametrize(
    "path", ["/api/v1/inbound/sms", "/api/v1/inbound/email", "/api/v1/inbound/email-bounce"]
)
def test_without_the_providers_token_nothing_is_received(app: FastAPI, floor: Floor, path: str) -> None:
    client = TestClient(app)
    body = {**TD, "recipient": "x@example.com"}
    assert client.post(path, json=body).status_code == 403
    assert client.post(path, json=body, headers={"Authorization": "Bearer guess"}).status_code == 403
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.inbound_messages.c.id)).first() is None


def test_a_td_by_the_api_stops_sms_at_once(app: FastAPI, floor: Floor) -> None:
    answer = TestClient(app).post("/api/v1/inbound/sms", json=TD, headers=TOKEN)
    assert answer.status_code == 200 and answer.json()["received"] is True
    floor.uow.rollback()
    verdict = check_contact(floor.uow, floor.cases[0].id, channel="sms", at=MORNING)
    assert verdict.refused_by == ("channel-opt-out",)


def test_a_known_and_an_unknown_sender_get_the_same_answer(app: FastAPI, floor: Floor) -> None:
    client = TestClient(app)
    known = client.post("/api/v1/inbound/sms", json={**TD, "text": "hello"}, headers=TOKEN).json()
    unknown = client.post(
        "/api/v1/inbound/sms", json={**TD, "from": "+8613912345678", "text": "hello"}, headers=TOKEN
    ).json()
    assert set(known) == set(unknown) == {"received", "id"}


def test_an_email_reply_lands_on_the_case(app: FastAPI, floor: Floor) -> None:
    body = {
        "from": "debtor1@example.com",
        "to": "notices@agency.example",
        "subject": "Re: reminder",
        "text": "I paid yesterday.\n> quoted",
        "in_reply_to": "<m1@agency.example>",
        "message_id": "<r1@example.com>",
    }
    assert TestClient(app).post("/api/v1/inbound/email", json=body, headers=TOKEN).status_code == 200
    floor.uow.rollback()
    i = t.interactions.c
    row = floor.uow.session.execute(select(i.case_id, i.channel, i.direction, i.notes)).one()
    assert tuple(row) == (floor.cases[0].id, "email", "inbound", "Re: reminder\nI paid yesterday.\n> quoted")


def test_a_hard_bounce_marks_the_address_and_a_soft_one_does_not(app: FastAPI, floor: Floor) -> None:
    client = TestClient(app)
    soft = {"recipient": "debtor1@example.com", "status": "4.2.2", "diagnostic": "mailbox full"}
    assert client.post("/api/v1/inbound/email-bounce", json=soft, headers=TOKEN).json()["marked"] == 0
    hard = {"recipient": "debtor1@example.com", "status": "5.1.1", "diagnostic": "no such user"}
    assert client.post("/api/v1/inbound/email-bounce", json=hard, headers=TOKEN).json()["marked"] == 1
    floor.uow.rollback()
    cp = t.contact_points.c
    status = floor.uow.session.execute(select(cp.status).where(cp.id == floor.cases[0].email_id)).scalar_one()
    assert status == "disconnected"
