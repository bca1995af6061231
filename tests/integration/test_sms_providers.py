"""Sending SMS through Aliyun, Tencent Cloud and Twilio (each a local server that checks the request's
signature as the provider does): the creditor's approved template, the provider's refusals and
throttling, its outages, and its pace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.aliyun_sms_server import AliyunSmsServer
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.sms_providers import approve_reminder, provider_settings
from tests.support.tencent_sms_server import TencentSmsServer
from tests.support.twilio_server import TwilioServer

from huikuan import config
from huikuan.channels.sms import limits
from huikuan.channels.sms.limits import TokenBucket
from huikuan.services.message_text import reference
from huikuan.services.outbox import send
from huikuan.services.outbox_errors import describe_error
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _queue(floor: Floor, n: int = 0) -> int:
    c = floor.cases[n]
    return send(
        floor.uow,
        floor.viewer(("alice", "bob", "sue")[n]),  # the case's collector, or the supervisor
        c.id,
        template="reminder",
        channel="sms",
        contact_point_id=c.mobile_id,
        now=MORNING,
    )


def _message(floor: Floor, message_id: int) -> Any:
    floor.uow.rollback()
    return floor.uow.session.execute(select(t.messages).where(t.messages.c.id == message_id)).one()


def test_aliyun_sends_the_creditors_approved_template_signed_as_aliyun_checks(
    floor: Floor, tmp_path: Path
) -> None:
    approve_reminder(floor, "aliyun")
    message_id = _queue(floor)
    with AliyunSmsServer() as server:
        counts = dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "aliyun", server.url))
    assert counts["sent"] == 1 and server.refused == []
    (accepted,) = server.accepted
    assert (accepted.to, accepted.text, accepted.ours) == ("13800000001", "SMS_100001", str(message_id))
    assert accepted.fields == {"name": "测试债务人1", "reference": reference(floor.cases[0].id)}
    m = _message(floor, message_id)
    assert (m.status, m.provider_ref) == ("sent", accepted.ref)


def test_a_wrong_aliyun_secret_is_refused_by_the_signature_check(floor: Floor, tmp_path: Path) -> None:
    approve_reminder(floor, "aliyun")
    message_id = _queue(floor)
    with AliyunSmsServer() as server:
        settings = provider_settings(
            tmp_path, "aliyun", server.url, aliyun_access_key_secret="not-the-secret"
        )
        counts = dispatch_due(floor.uow, MORNING, settings=settings)
    assert counts["failed"] == 1 and server.accepted == []
    assert [code for code, _ in server.refused] == ["SignatureDoesNotMatch"]
    assert "SignatureDoesNotMatch" in _message(floor, message_id).error


def test_a_message_whose_template_the_creditor_has_not_approved_fails_saying_so(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _queue(floor)  # no approved template recorded for BANK at Tencent
    with TencentSmsServer() as server:
        counts = dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "tencent", server.url))
    assert counts["failed"] == 1 and server.accepted == [] and server.refused == []
    error = _message(floor, message_id).error
    assert describe_error(error, "en") == "no template reminder approved at tencent for creditor BANK"
    assert describe_error(error, "zh_CN") == "债权人 BANK 在 tencent 没有已审批的模板 reminder"


def test_aliyun_throttling_leaves_the_message_queued_for_a_retry(floor: Floor, tmp_path: Path) -> None:
    approve_reminder(floor, "aliyun")
    message_id = _queue(floor)
    with AliyunSmsServer() as server:
        server.behaviour.throttle = 1
        settings = provider_settings(tmp_path, "aliyun", server.url)
        first = dispatch_due(floor.uow, MORNING, settings=settings)
        m = _message(floor, message_id)
        assert (first["retry"], m.status, m.next_attempt_at) == (1, "queued", MORNING + timedelta(minutes=1))
        assert "isv.BUSINESS_LIMIT_CONTROL" in m.error
        second = dispatch_due(floor.uow, MORNING + timedelta(minutes=1), settings=settings)
    assert second["sent"] == 1 and len(server.accepted) == 1


def test_tencent_sends_the_template_parameters_in_the_templates_order(floor: Floor, tmp_path: Path) -> None:
    approve_reminder(floor, "tencent")
    message_id = _queue(floor)
    with TencentSmsServer() as server:
        counts = dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "tencent", server.url))
    assert counts["sent"] == 1 and server.refused == []
    (accepted,) = server.accepted
    assert (accepted.to, accepted.text, accepted.ours) == ("+8613800000001", "1110", str(message_id))
    assert accepted.fields["params"][0] == "测试债务人1"
    assert _message(floor, message_id).provider_ref == accepted.ref


@pytest.mark.parametrize(
    ("server_templates", "outcome", "code"),
    [
        ({"1110": ("另一个签名", 2)}, "failed", "FailedOperation.SignatureIncorrectOrUnapproved"),
        ({}, "failed", "FailedOperation.TemplateIncorrectOrUnapproved"),
    ],
)
def test_tencent_refusals_fail_the_message_in_tencents_words(
    floor: Floor, tmp_path: Path, server_templates: dict[str, tuple[str, int]], outcome: str, code: str
) -> None:
    approve_reminder(floor, "tencent")
    message_id = _queue(floor)
    with TencentSmsServer(server_templates) as server:
        dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "tencent", server.url))
    m = _message(floor, message_id)
    assert m.status == outcome and code in m.error


def test_a_wrong_tencent_key_is_refused_by_the_tc3_signature_check(floor: Floor, tmp_path: Path) -> None:
    approve_reminder(floor, "tencent")
    message_id = _queue(floor)
    with TencentSmsServer() as server:
        settings = provider_settings(tmp_path, "tencent", server.url, tencent_secret_key="not-the-key")
        dispatch_due(floor.uow, MORNING, settings=settings)
    assert [code for code, _ in server.refused] == ["AuthFailure.SignatureFailure"]
    assert _message(floor, message_id).status == "failed"


def test_tencent_request_limit_is_tried_again(floor: Floor, tmp_path: Path) -> None:
    approve_reminder(floor, "tencent")
    message_id = _queue(floor)
    with TencentSmsServer() as server:
        server.behaviour.throttle = 1
        counts = dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "tencent", server.url))
    m = _message(floor, message_id)
    assert counts["retry"] == 1 and m.status == "queued" and "RequestLimitExceeded" in m.error


def test_twilio_sends_the_text_itself_with_its_status_callback(floor: Floor, tmp_path: Path) -> None:
    message_id = _queue(floor)
    with TwilioServer() as server:
        settings = provider_settings(
            tmp_path, "twilio", server.url, public_url="https://hk.example", sms_callback_secret="s3cret"
        )
        counts = dispatch_due(floor.uow, MORNING, settings=settings)
    assert counts["sent"] == 1
    (accepted,) = server.accepted
    assert accepted.text.startswith("【某银行】测试债务人1您好")
    assert accepted.fields["StatusCallback"] == "https://hk.example/api/v1/callbacks/sms/twilio/s3cret"
    assert _message(floor, message_id).provider_ref == accepted.ref


@pytest.mark.parametrize(("opted_out", "throttle", "status"), [(True, 0, "failed"), (False, 1, "queued")])
def test_twilio_refusals_fail_and_its_429_is_retried(
    floor: Floor, tmp_path: Path, opted_out: bool, throttle: int, status: str
) -> None:
    message_id = _queue(floor)
    with TwilioServer(frozenset({"+8613800000001"}) if opted_out else frozenset()) as server:
        server.behaviour.throttle = throttle
        dispatch_due(floor.uow, MORNING, settings=provider_settings(tmp_path, "twilio", server.url))
    m = _message(floor, message_id)
    assert m.status == status and ("21610" if opted_out else "20429") in m.error


@pytest.mark.parametrize("kind", ["answers 5xx", "refuses connections"])
@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_an_outage_mid_batch_leaves_the_rest_queued_and_each_is_sent_exactly_once(
    floor: Floor, tmp_path: Path, provider: str, kind: str
) -> None:
    approve_reminder(floor, provider)
    ids = [_queue(floor, n) for n in range(3)]
    server = AliyunSmsServer() if provider == "aliyun" else TencentSmsServer()
    settings = provider_settings(tmp_path, provider, server.url)
    with server:
        if kind == "answers 5xx":
            server.behaviour.outage_after = 1
            first = dispatch_due(floor.uow, MORNING, settings=settings)
        else:
            server.stop()
            first = dispatch_due(floor.uow, MORNING, settings=settings)
            server.start()
        waiting = [_message(floor, i) for i in ids]
        server.behaviour.outage_after = None
        later = MORNING + timedelta(minutes=1)
        second = dispatch_due(floor.uow, later, settings=settings)
        third = dispatch_due(floor.uow, later + timedelta(minutes=30), settings=settings)
    sent_first = 1 if kind == "answers 5xx" else 0
    assert (first["sent"], first["retry"]) == (sent_first, 3 - sent_first)
    assert [m.next_attempt_at for m in waiting if m.status == "queued"] == [later] * (3 - sent_first)
    assert second["sent"] == 3 - sent_first and third["sent"] == third["retry"] == 0
    assert server.sent_per_message() == {str(i): 1 for i in ids}
    assert {_message(floor, i).status for i in ids} == {"sent"}


def test_the_providers_rate_paces_and_bounds_one_run_and_the_rest_waits_queued(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    approve_reminder(floor, "aliyun")
    ids = [_queue(floor, n) for n in range(3)]
    waits: list[float] = []
    clock = iter(range(0, 10_000, 1)).__next__  # a second passes between two looks at the clock
    paced = TokenBucket(0.04, clock=lambda: float(clock()), sleep=waits.append)
    monkeypatch.setitem(limits._buckets, ("aliyun", 0.04), paced)
    with AliyunSmsServer() as server:
        # 0.04 a second: two messages in a run of the once-a-minute job (50 seconds of sending).
        settings = provider_settings(tmp_path, "aliyun", server.url, sms_rate_per_second=0.04)
        first = dispatch_due(floor.uow, MORNING, settings=settings)
        untouched = _message(floor, ids[2])
        second = dispatch_due(floor.uow, MORNING + timedelta(minutes=1), settings=settings)
    assert (first["sent"], second["sent"]) == (2, 1)
    # The third was left for the next run, and counted so: nothing left over after the second.
    assert (first["deferred"], second["deferred"]) == (1, 0)
    # One token at once at 0.04 a second: the second message waited (25 s less the second that passed).
    assert waits[0] == pytest.approx(24.0)
    assert (untouched.status, untouched.attempts, untouched.next_attempt_at) == ("queued", 0, None)
    assert server.sent_per_message() == {str(i): 1 for i in ids}
