"""SMS through a provider's HTTP API (a real server on loopback): sent, refused for good, or retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, sms_provider, use_settings

from huikuan import config
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.delivery_reports import mark_delivered
from huikuan.services.outbox import send
from huikuan.services.outbox_errors import describe_error
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _queue(floor: Floor) -> int:
    c = floor.cases[0]
    return send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="reminder",
        channel="sms",
        contact_point_id=c.mobile_id,
        now=MORNING,
    )


def _message(floor: Floor, message_id: int) -> Any:
    floor.uow.rollback()
    return floor.uow.session.execute(select(t.messages).where(t.messages.c.id == message_id)).one()


def test_an_sms_handed_to_the_provider_is_sent_with_its_reference(floor: Floor, tmp_path: Path) -> None:
    message_id = _queue(floor)
    with sms_provider([(201, {"id": "prov-77", "status": "accepted"})]) as provider:
        counts = dispatch_due(
            floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url=provider.url, sms_token="tok")
        )
    assert counts["sent"] == 1
    (payload,) = provider.received
    assert payload["to"] == "+8613800000001" and payload["reference"] == str(message_id)
    assert payload["text"].startswith("【某银行】测试债务人1您好")
    assert provider.headers[0]["Authorization"] == "Bearer tok"
    m = _message(floor, message_id)
    assert (m.status, m.provider_ref, m.sent_at, m.attempts, m.claimed_until) == (
        "sent",
        "prov-77",
        MORNING,
        1,
        None,
    )


def test_a_provider_error_reply_fails_the_message_with_the_providers_words(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _queue(floor)
    reply = (400, {"error": {"code": 1021, "message": "invalid mobile number"}})
    with sms_provider([reply]) as provider:
        counts = dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url=provider.url))
        # A failed message is not tried again.
        again = dispatch_due(
            floor.uow, MORNING + timedelta(hours=1), settings=channel_settings(tmp_path, sms_url=provider.url)
        )
    assert counts["failed"] == 1 and again["sent"] == again["failed"] == 0
    assert len(provider.received) == 1
    m = _message(floor, message_id)
    assert m.status == "failed" and m.sent_at is None
    assert m.error == "SMS provider refused the message (400): invalid mobile number"
    assert describe_error(m.error, "zh_CN") == "短信服务商拒绝发送（400）：invalid mobile number"


def test_a_provider_outage_is_retried_later_and_fails_after_the_last_retry(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _queue(floor)
    outage = [(503, "Service Unavailable")] * 4
    with sms_provider(outage) as provider:
        settings = channel_settings(tmp_path, sms_url=provider.url)

        def run(at: datetime) -> dict[str, int]:
            return dispatch_due(floor.uow, at, settings=settings)

        assert run(MORNING)["retry"] == 1
        m = _message(floor, message_id)
        assert (m.status, m.attempts, m.next_attempt_at) == ("queued", 1, MORNING + timedelta(minutes=1))
        assert m.error == "SMS provider answered 503: Service Unavailable"
        assert run(MORNING + timedelta(seconds=30)) == {
            "sent": 0,
            "failed": 0,
            "retry": 0,
            "refused": 0,
            "postponed": 0,
            "waiting": 0,
            "deferred": 0,
        }
        at = MORNING + timedelta(minutes=1)
        assert run(at)["retry"] == 1
        assert _message(floor, message_id).next_attempt_at == at + timedelta(minutes=5)
        at += timedelta(minutes=5)
        assert run(at)["retry"] == 1
        assert _message(floor, message_id).next_attempt_at == at + timedelta(minutes=30)
        at += timedelta(minutes=30)
        assert run(at)["failed"] == 1
    assert len(provider.received) == 4
    m = _message(floor, message_id)
    assert (m.status, m.attempts) == ("failed", 4)


def test_an_unreachable_provider_is_a_transient_failure(floor: Floor, tmp_path: Path) -> None:
    message_id = _queue(floor)
    with sms_provider() as provider:
        url = provider.url
    counts = dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url=url))
    assert counts["retry"] == 1
    assert _message(floor, message_id).error.startswith("SMS provider not reachable")


def test_a_delivery_report_marks_the_message_delivered(floor: Floor, tmp_path: Path) -> None:
    first, second = _queue(floor), _queue(floor)
    with sms_provider() as provider:
        dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url=provider.url))
    assert mark_delivered(floor.uow, "sms-1", "DELIVERED") == first
    assert mark_delivered(floor.uow, "sms-2", "undelivered", error="handset off") == second
    assert mark_delivered(floor.uow, "sms-2", "delivered") == second  # a late report changes nothing
    assert _message(floor, first).status == "delivered"
    late = _message(floor, second)
    assert (late.status, late.error) == ("failed", "the provider reports undelivered: handset off")
    with pytest.raises(NotFound):
        mark_delivered(floor.uow, "sms-99", "delivered")
    with pytest.raises(InvalidInput):
        mark_delivered(floor.uow, "sms-1", "teleported")
