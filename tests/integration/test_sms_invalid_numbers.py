"""An invalid number marks the contact point (status disconnected, reason "invalid"): when a provider
refuses the send because the number is bad, and when its delivery report says so. A refusal or a failed
delivery for any other reason (an unapproved template, a phone switched off, a handset out of reach) only
fails the message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.support.aliyun_sms_server import AliyunSmsServer
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.sms_providers import approve_reminder, provider_settings
from tests.support.sms_server_base import Accepted
from tests.support.tencent_sms_server import TencentSmsServer
from tests.support.twilio_server import AUTH_TOKEN, TwilioServer

from huikuan import config
from huikuan.services.outbox import send
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t
from huikuan.web.app import create_app

SECRET = "cb-Secret-0123456789"
PUBLIC = "https://hk.example"
BASE = "/api/v1/callbacks/sms"
NUMBER = "+8613800000001"  # the first case's mobile
BAD = "+123"  # no provider takes it


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FastAPI]:
    use_settings(
        monkeypatch,
        letters_dir=str(tmp_path / "letters"),
        sms_callback_secret=SECRET,
        twilio_auth_token=AUTH_TOKEN,
        public_url=PUBLIC,
        sms_token="cb-token",
    )
    yield create_app(db_env)
    config.get_settings.cache_clear()


def _point(floor: Floor) -> tuple[str, str | None]:
    floor.uow.rollback()
    cp = t.contact_points.c
    row = floor.uow.session.execute(
        select(cp.status, cp.status_reason).where(cp.id == floor.cases[0].mobile_id)
    ).one()
    return row.status, row.status_reason


def _message_status(floor: Floor, message_id: int) -> str:
    floor.uow.rollback()
    return str(
        floor.uow.session.execute(
            select(t.messages.c.status).where(t.messages.c.id == message_id)
        ).scalar_one()
    )


# --- a refusal of the send ----------------------------------------------------------------------------


def _queue_to(floor: Floor, number: str) -> int:
    """The first case's reminder, queued, its number (and the point's) then `number`."""
    c = floor.cases[0]
    message_id = send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="reminder",
        channel="sms",
        contact_point_id=c.mobile_id,
        now=MORNING,
    )
    s = floor.uow.session
    s.execute(update(t.messages).where(t.messages.c.id == message_id).values(to=number))
    s.execute(update(t.contact_points).where(t.contact_points.c.id == c.mobile_id).values(value=number))
    floor.uow.commit()
    return message_id


@pytest.mark.parametrize(
    ("provider", "server", "code"),
    [
        ("aliyun", AliyunSmsServer, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("tencent", TencentSmsServer, "InvalidParameterValue.IncorrectPhoneNumber"),
        ("twilio", TwilioServer, "21211"),
    ],
)
def test_a_send_refused_for_a_bad_number_marks_the_point_invalid(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str, server: Any, code: str
) -> None:
    use_settings(monkeypatch)
    if provider != "twilio":
        approve_reminder(floor, provider)
    message_id = _queue_to(floor, BAD)
    with server() as running:
        counts = dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, provider, running.url))
    config.get_settings.cache_clear()
    assert counts["failed"] == 1 and _message_status(floor, message_id) == "failed"
    assert code in str(running.refused)
    assert _point(floor) == ("disconnected", "invalid")


def test_a_refusal_for_another_reason_leaves_the_point_alone(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch)
    approve_reminder(floor, "tencent")
    message_id = _queue_to(floor, NUMBER)
    with TencentSmsServer({}) as running:  # no approved template
        dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "tencent", running.url))
    config.get_settings.cache_clear()
    assert _message_status(floor, message_id) == "failed"
    assert _point(floor)[0] != "disconnected"


# --- a delivery report --------------------------------------------------------------------------------


def _sent(floor: Floor, ref: str) -> int:
    m = t.messages.c
    floor.uow.session.execute(
        t.messages.insert().values(
            case_id=floor.cases[0].id, channel="sms", to=NUMBER, body="x", status="sent", provider_ref=ref
        )
    )
    floor.uow.commit()
    return int(floor.uow.session.execute(select(m.id).where(m.provider_ref == ref)).scalar_one())


def _item(ref: str, message_id: int) -> Accepted:
    return Accepted(NUMBER, ref, str(message_id), "x")


@pytest.mark.parametrize(
    ("words", "marked"),
    [("空号", True), ("空号、停机、关机", False), ("关机", False)],
    ids=["vacant", "vacant or switched off", "switched off"],
)
def test_an_aliyun_report_of_a_vacant_number_marks_the_point(
    app: FastAPI, floor: Floor, words: str, marked: bool
) -> None:
    message_id = _sent(floor, "900619746^0")
    report = AliyunSmsServer.report(
        _item("900619746^0", message_id), success=False, err_code="MN:0001", err_msg=words
    )
    assert TestClient(app).post(f"{BASE}/aliyun/{SECRET}", json=report).status_code == 200
    assert _message_status(floor, message_id) == "failed"
    assert (_point(floor) == ("disconnected", "invalid")) is marked


@pytest.mark.parametrize(("description", "marked"), [("空号", True), (None, False)])
def test_a_tencent_report_of_a_vacant_number_marks_the_point(
    app: FastAPI, floor: Floor, description: str | None, marked: bool
) -> None:
    message_id = _sent(floor, "2433:0001")
    report = TencentSmsServer.report(
        _item("2433:0001", message_id), success=False, errmsg="MK:0001", description=description
    )
    assert TestClient(app).post(f"{BASE}/tencent/{SECRET}", json=report).status_code == 200
    assert _message_status(floor, message_id) == "failed"
    assert (_point(floor) == ("disconnected", "invalid")) is marked


@pytest.mark.parametrize(
    ("status", "code", "marked"),
    [("undelivered", "30005", True), ("undelivered", "30006", False), ("undelivered", "30003", False)],
    ids=["unknown handset", "landline", "handset unreachable"],
)
def test_a_twilio_status_callback_of_a_bad_number_marks_the_point(
    app: FastAPI, floor: Floor, status: str, code: str, marked: bool
) -> None:
    ref = "SM" + "b" * 32
    message_id = _sent(floor, ref)
    form = TwilioServer.status(_item(ref, message_id), status, code)
    path = f"{BASE}/twilio/{SECRET}"
    headers = TwilioServer.headers_for(PUBLIC + path, form, AUTH_TOKEN)
    assert TestClient(app).post(path, data=form, headers=headers).status_code == 200
    assert _message_status(floor, message_id) == "failed"
    assert (_point(floor) == ("disconnected", "invalid")) is marked


@pytest.mark.parametrize(("code", "marked"), [("invalid_number", True), (None, False)])
def test_the_generic_providers_report_says_invalid_number_in_its_code(
    app: FastAPI, floor: Floor, code: str | None, marked: bool
) -> None:
    message_id = _sent(floor, "prov-1")
    report = {"id": "prov-1", "status": "failed", "error": "no such subscriber", "code": code}
    headers = {"Authorization": "Bearer cb-token"}
    assert TestClient(app).post("/api/v1/outbox/sms-status", json=report, headers=headers).status_code == 200
    assert _message_status(floor, message_id) == "failed"
    assert (_point(floor) == ("disconnected", "invalid")) is marked
