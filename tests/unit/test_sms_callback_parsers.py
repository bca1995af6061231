"""The providers' callbacks read into our shapes (channels/sms/callbacks.py), from the documented bodies
the local provider servers produce; and the pace a provider is called at (channels/sms/limits.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.support.aliyun_sms_server import AliyunSmsServer
from tests.support.sms_server_base import Accepted
from tests.support.tencent_sms_server import TencentSmsServer
from tests.support.twilio_server import TwilioServer

from huikuan.channels.sms import callbacks as parse
from huikuan.channels.sms.limits import TokenBucket, per_run
from huikuan.errors import InvalidInput

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SENT = Accepted("13800000001", "900619746^0", "7", "SMS_100001")


def test_an_aliyun_report_names_the_biz_id_and_a_failure_keeps_aliyuns_code() -> None:
    ok = parse.aliyun_reports(AliyunSmsServer.report(SENT))
    failed = parse.aliyun_reports(AliyunSmsServer.report(SENT, success=False, err_code="MN:0001"))
    assert ok == [parse.Report("900619746^0", "delivered")]
    assert failed[0].status == "failed" and failed[0].error is not None and "MN:0001" in failed[0].error


def test_a_tencent_report_names_the_serial_number() -> None:
    item = Accepted("+8613800000001", "2433:1", "7", "1110")
    assert parse.tencent_reports(TencentSmsServer.report(item)) == [parse.Report("2433:1", "delivered")]
    assert parse.tencent_reports(TencentSmsServer.report(item, success=False))[0].status == "failed"


@pytest.mark.parametrize(
    ("twilio", "ours"), [("delivered", "delivered"), ("undelivered", "undelivered"), ("sent", "sent")]
)
def test_twilios_statuses_map_to_the_outboxs(twilio: str, ours: str) -> None:
    form = TwilioServer.status(Accepted("+12025550123", "SM1", "SM1", "hi"), twilio)
    assert parse.twilio_reports(form) == [parse.Report("SM1", ours)]


def test_replies_become_inbound_sms_from_an_e164_number() -> None:
    (aliyun,) = parse.aliyun_replies(AliyunSmsServer.reply("13800000001", "TD"), NOW)
    (tencent,) = parse.tencent_replies(TencentSmsServer.reply("13800000001", "退订"), NOW)
    (twilio,) = parse.twilio_replies(TwilioServer.incoming("+12025550123", "STOP"), NOW)
    assert (aliyun.sender, aliyun.text, aliyun.provider) == ("+8613800000001", "TD", "aliyun")
    assert (tencent.sender, tencent.text, tencent.provider) == ("+8613800000001", "退订", "tencent")
    assert (twilio.sender, twilio.text, twilio.provider_ref) == ("+12025550123", "STOP", twilio.provider_ref)
    assert all(r.channel == "sms" and r.received_at.tzinfo is not None for r in (aliyun, tencent, twilio))


def test_aliyun_times_are_beijing_time() -> None:
    assert parse.beijing("2026-11-20 10:00:00", NOW) == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("body", [{"biz_id": "1"}, [{"success": True}], "[]x"])
def test_a_body_not_in_aliyuns_shape_is_invalid(body: object) -> None:
    with pytest.raises(InvalidInput):
        parse.aliyun_reports(body)


def test_the_bucket_lets_a_burst_through_then_paces_calls_at_the_rate() -> None:
    now = [0.0]
    waits: list[float] = []
    bucket = TokenBucket(2.0, clock=lambda: now[0], sleep=waits.append)
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]  # a burst of one second's worth
    assert bucket.take() == pytest.approx(0.5)
    now[0] = 10.0  # idle a while: the burst is back, never more
    assert [bucket.take(), bucket.take()] == [0.0, 0.0] and bucket.take() > 0
    assert waits == [pytest.approx(0.5), pytest.approx(0.5)]


def test_one_run_hands_over_what_the_rate_allows_in_fifty_seconds() -> None:
    assert per_run("twilio", None) == 50  # one a second from a US long code
    assert per_run("tencent", None) == 150_000
    assert per_run("aliyun", 0.01) == 1  # never less than one
