"""The SMS providers' callbacks on their secret path: no secret, no page; Twilio's signature checked; the
allowed networks; delivery reports applied to the messages they name; replies handed to services/inbound
(a "TD" stops SMS to the number at once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.support.aliyun_sms_server import AliyunSmsServer
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.server import running
from tests.support.sms_providers import approve_reminder
from tests.support.sms_server_base import Accepted
from tests.support.tencent_sms_server import TencentSmsServer
from tests.support.twilio_server import AUTH_TOKEN, TwilioServer
from tests.support.web import login_client

from huikuan import config
from huikuan.services.contacts import check_contact
from huikuan.storage import tables as t
from huikuan.web.app import create_app

SECRET = "cb-Secret-0123456789"
PUBLIC = "https://hk.example"
BASE = "/api/v1/callbacks/sms"


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FastAPI]:
    use_settings(
        monkeypatch,
        letters_dir=str(tmp_path / "letters"),
        sms_callback_secret=SECRET,
        twilio_auth_token=AUTH_TOKEN,
        public_url=PUBLIC,
    )
    yield create_app(db_env)
    config.get_settings.cache_clear()


def _sent(floor: Floor, ref: str) -> int:
    """A message of the first case, sent with the provider's reference `ref`."""
    m = t.messages.c
    floor.uow.session.execute(
        t.messages.insert().values(
            case_id=floor.cases[0].id,
            channel="sms",
            to="+8613800000001",
            body="x",
            status="sent",
            provider_ref=ref,
        )
    )
    floor.uow.commit()
    return int(floor.uow.session.execute(select(m.id).where(m.provider_ref == ref)).scalar_one())


def _status(floor: Floor, message_id: int) -> tuple[str, str | None]:
    floor.uow.rollback()
    m = t.messages.c
    row = floor.uow.session.execute(select(m.status, m.error).where(m.id == message_id)).one()
    return row.status, row.error


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/aliyun/wrong-secret",
        f"{BASE}/tencent/{SECRET}x",
        f"{BASE}/nokia/{SECRET}",
        f"{BASE}/aliyun/wrong/reply",
    ],
)
def test_a_wrong_secret_or_provider_is_no_page(app: FastAPI, path: str) -> None:
    assert TestClient(app).post(path, json=[]).status_code == 404


def test_without_a_configured_secret_no_callback_is_accepted(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUIKUAN_SMS_CALLBACK_SECRET")
    config.get_settings.cache_clear()
    assert TestClient(app).post(f"{BASE}/aliyun/{SECRET}", json=[]).status_code == 404


def test_an_aliyun_report_marks_the_message_delivered_and_answers_as_aliyun_expects(
    app: FastAPI, floor: Floor
) -> None:
    message_id = _sent(floor, "900619746^0")
    report = AliyunSmsServer.report(Accepted("13800000001", "900619746^0", str(message_id), "SMS_100001"))
    answer = TestClient(app).post(f"{BASE}/aliyun/{SECRET}", json=report)
    assert answer.status_code == 200 and answer.json()["code"] == 0
    assert _status(floor, message_id) == ("delivered", None)


def test_a_tencent_failure_report_fails_the_message_with_its_reason(app: FastAPI, floor: Floor) -> None:
    message_id = _sent(floor, "2433:0001")
    item = Accepted("+8613800000001", "2433:0001", str(message_id), "1110")
    report = TencentSmsServer.report(item, success=False, errmsg="MN:0001")
    unknown = TencentSmsServer.report(Accepted("+8613800000001", "not-ours", "0", "1110"))
    answer = TestClient(app).post(f"{BASE}/tencent/{SECRET}", json=report + unknown)
    assert answer.status_code == 200 and answer.json() == {"result": 0, "errmsg": "OK"}
    status, error = _status(floor, message_id)
    assert status == "failed" and "MN:0001" in (error or "")


def test_a_report_not_in_the_providers_shape_is_refused(app: FastAPI) -> None:
    answer = TestClient(app).post(f"{BASE}/aliyun/{SECRET}", json={"biz_id": "x"})
    assert answer.status_code == 422


def _twilio(client: TestClient, path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> Any:
    headers = TwilioServer.headers_for(PUBLIC + path, form, token)
    return client.post(path, data=form, headers=headers)


def test_a_twilio_status_callback_is_applied_only_when_its_signature_verifies(
    app: FastAPI, floor: Floor
) -> None:
    message_id = _sent(floor, "SM" + "a" * 32)
    form = TwilioServer.status(Accepted("+8613800000001", "SM" + "a" * 32, "x", "hello"), "delivered")
    client, path = TestClient(app), f"{BASE}/twilio/{SECRET}"
    assert _twilio(client, path, form, token="not-the-token").status_code == 403
    assert _status(floor, message_id) == ("sent", None)
    assert _twilio(client, path, form).status_code == 200
    assert _status(floor, message_id) == ("delivered", None)


def test_callbacks_from_outside_the_allowed_networks_are_refused(
    app: FastAPI, floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = _sent(floor, "900619747^0")
    report = AliyunSmsServer.report(Accepted("13800000001", "900619747^0", str(message_id), "SMS_100001"))
    monkeypatch.setenv("HUIKUAN_SMS_CALLBACK_NETWORKS", "106.11.0.0/16, 140.205.0.0/16")
    config.get_settings.cache_clear()
    assert TestClient(app).post(f"{BASE}/aliyun/{SECRET}", json=report).status_code == 403
    assert _status(floor, message_id) == ("sent", None)
    # A misspelt network allows nothing, even from loopback.
    monkeypatch.setenv("HUIKUAN_SMS_CALLBACK_NETWORKS", "127.0.0.O/8")
    config.get_settings.cache_clear()
    with running(app) as url:
        assert httpx.post(f"{url}{BASE}/aliyun/{SECRET}", json=report, timeout=10).status_code == 403
    # From an allowed network (a real server on loopback, so the client has an address): applied.
    monkeypatch.setenv("HUIKUAN_SMS_CALLBACK_NETWORKS", "106.11.0.0/16, 127.0.0.0/8")
    config.get_settings.cache_clear()
    with running(app) as url:
        assert httpx.post(f"{url}{BASE}/aliyun/{SECRET}", json=report, timeout=10).status_code == 200
    assert _status(floor, message_id) == ("delivered", None)


@pytest.mark.parametrize("provider", ["aliyun", "tencent", "twilio"])
def test_a_td_reply_through_any_provider_stops_sms_to_the_number_at_once(
    app: FastAPI, floor: Floor, provider: str
) -> None:
    client, path = TestClient(app), f"{BASE}/{provider}/{SECRET}/reply"
    if provider == "aliyun":
        answer = client.post(path, json=AliyunSmsServer.reply("13800000001", "退订"))
    elif provider == "tencent":
        answer = client.post(path, json=TencentSmsServer.reply("13800000001", "TD"))
    else:
        answer = _twilio(client, path, TwilioServer.incoming("+8613800000001", "STOP"))
    assert answer.status_code == 200
    floor.uow.rollback()
    verdict = check_contact(floor.uow, floor.cases[0].id, channel="sms", at=MORNING)
    assert verdict.refused_by == ("channel-opt-out",)


def test_another_reply_reaches_the_case_as_an_inbound_contact(app: FastAPI, floor: Floor) -> None:
    reply = AliyunSmsServer.reply("13800000001", "我下周还款")
    assert TestClient(app).post(f"{BASE}/aliyun/{SECRET}/reply", json=reply).status_code == 200
    floor.uow.rollback()
    i = t.interactions.c
    row = floor.uow.session.execute(select(i.case_id, i.channel, i.direction)).one()
    assert tuple(row) == (floor.cases[0].id, "sms", "inbound")


def test_the_channel_page_shows_the_provider_and_the_approved_templates_but_no_secret(
    app: FastAPI, floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIKUAN_SMS_PROVIDER", "aliyun")
    monkeypatch.setenv("HUIKUAN_ALIYUN_ACCESS_KEY_ID", "LTAI-the-id")
    monkeypatch.setenv("HUIKUAN_ALIYUN_ACCESS_KEY_SECRET", "the-aliyun-secret")
    config.get_settings.cache_clear()
    approve_reminder(floor, "aliyun")
    page = login_client(app, "sue").get("/admin/channels").text
    assert "SMS_100001" in page and "aliyun_access_key_secret" in page
    assert "the-aliyun-secret" not in page and "LTAI-the-id" not in page and SECRET not in page
