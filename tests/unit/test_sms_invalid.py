"""Which SMS provider answers say the number itself is bad (channels/sms/invalid.py): only those mark the
contact point; throttling, blacklists, opt-outs and a phone out of reach today do not."""

from __future__ import annotations

import pytest

from huikuan.channels.sms.callbacks import aliyun_reports, tencent_reports, twilio_reports
from huikuan.channels.sms.invalid import invalid_in_report, invalid_on_send


@pytest.mark.parametrize(
    ("provider", "code"),
    [
        ("generic", "invalid_number"),
        ("aliyun", "isv.MOBILE_NUMBER_ILLEGAL"),
        ("tencent", "InvalidParameterValue.IncorrectPhoneNumber"),
        ("twilio", "21211"),
    ],
)
def test_a_send_refused_for_a_bad_number(provider: str, code: str) -> None:
    assert invalid_on_send(provider, code)


@pytest.mark.parametrize(
    ("provider", "code"),
    [
        ("aliyun", "isv.BUSINESS_LIMIT_CONTROL"),
        ("aliyun", "isv.SMS_TEMPLATE_ILLEGAL"),
        ("tencent", "FailedOperation.PhoneNumberInBlacklist"),
        ("tencent", "LimitExceeded.PhoneNumberDailyLimit"),
        ("twilio", "21610"),
        ("twilio", "21614"),  # not a mobile: a landline may still be called
        ("twilio", "21635"),
        ("twilio", "20429"),
        ("generic", None),
        ("nokia", "invalid_number"),
    ],
)
def test_other_refusals_say_nothing_of_the_number(provider: str, code: str | None) -> None:
    assert not invalid_on_send(provider, code)


def test_twilio_reports_a_bad_number_by_30005_but_not_a_landline_or_an_unreachable_handset() -> None:
    assert invalid_in_report("twilio", "30005")
    assert not invalid_in_report("twilio", "30006") and not invalid_in_report("twilio", "30003")
    assert not invalid_in_report("twilio", "30007")  # a carrier's filter


def test_a_chinese_receipt_must_say_vacant_and_nothing_less_certain() -> None:
    assert invalid_in_report("aliyun", "MN:0001", "空号")
    assert invalid_in_report("tencent", "MK:0001", "号码为空号")
    assert not invalid_in_report("aliyun", "MN:0001", "空号、关机、停机")
    assert not invalid_in_report("tencent", "MK:0005", "用户短信接收失败")
    assert not invalid_in_report("twilio", "", "空号")  # Twilio's words are its codes


def test_the_parsers_carry_it_only_on_a_failure() -> None:
    failed = {"biz_id": "1", "success": False, "err_code": "MN:0001", "err_msg": "空号"}
    assert aliyun_reports([failed])[0].invalid
    assert not aliyun_reports([{**failed, "success": True}])[0].invalid
    tencent = {"sid": "2", "report_status": "FAIL", "errmsg": "MK:0001", "description": "空号"}
    assert tencent_reports([tencent])[0].invalid
    twilio = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30005"}
    assert twilio_reports(twilio)[0].invalid
    assert not twilio_reports({**twilio, "MessageStatus": "sent"})[0].invalid
