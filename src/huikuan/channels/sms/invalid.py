"""Which of an SMS provider's answers say that the number itself is bad: it does not exist or is
malformed (a landline is not bad: it may still be called). Only those mark the contact point
(services/inbound.py mark_bounce, reason "invalid"); a throttle, a blacklist, an opt-out, a phone
switched off or out of reach today, a landline, a carrier's filter or an unknown failure only fails the
message. docs/channels.md ("An invalid number marks the contact point") lists the codes.
"""

from __future__ import annotations

GENERIC_CODE = "invalid_number"  # what the generic provider's answer or report says, in its `code` field

# Codes refusing the send itself (the API's answer).
ON_SEND: dict[str, frozenset[str]] = {
    "generic": frozenset({GENERIC_CODE}),
    # Aliyun SendSms: the number is not a valid mobile number.
    "aliyun": frozenset({"isv.MOBILE_NUMBER_ILLEGAL"}),
    # Tencent Cloud SendSms (2021-01-11): the number's format is wrong.
    "tencent": frozenset({"InvalidParameterValue.IncorrectPhoneNumber"}),
    # Twilio: 21211 invalid 'To' number. Not 21614 (not a mobile) nor 21635 (a landline): a landline cannot
    # take a text but can be called, and marking the point would stop the calls too.
    "twilio": frozenset({"21211"}),
}

# Codes of a delivery report. Twilio: 30005 unknown destination handset (the number does not exist); not
# 30003 (handset unreachable: off, out of coverage, temporary) nor 30006 (a landline, or a carrier a short
# code cannot reach: the number may still be called).
ON_REPORT: dict[str, frozenset[str]] = {
    "generic": frozenset({GENERIC_CODE}),
    "aliyun": frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "MOBILE_NUMBER_ILLEGAL"}),
    "tencent": frozenset({"InvalidParameterValue.IncorrectPhoneNumber"}),
    "twilio": frozenset({"30005"}),
}

# A Chinese carrier's receipt (Aliyun's err_msg, Tencent's description) that says "vacant number" (空号:
# no subscriber has it) and nothing less certain: a receipt that also says switched off (关机), suspended
# (停机), unreachable (无法接通) or out of coverage (不在服务区) may be temporary, and is not enough.
VACANT = "空号"
NOT_CERTAIN = ("关机", "停机", "无法接通", "不在服务区", "欠费")


def invalid_on_send(provider: str, code: str | None) -> bool:
    """The provider refused the send because the number is bad."""
    return bool(code) and str(code).strip() in ON_SEND.get(provider, frozenset())


def invalid_in_report(provider: str, code: str | None, text: str | None = None) -> bool:
    """A failed delivery report says the number is bad: one of the provider's codes, or a Chinese
    carrier's receipt text that says vacant number and nothing less certain."""
    if code and str(code).strip() in ON_REPORT.get(provider, frozenset()):
        return True
    if provider in ("aliyun", "tencent") and text:
        return VACANT in text and not any(word in text for word in NOT_CERTAIN)
    return False
