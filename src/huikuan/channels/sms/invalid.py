"""Which of an SMS provider's answers say that the number itself is bad: it does not exist, is malformed,
or cannot receive a text at all (a landline). Only those mark the contact point (services/inbound.py
mark_bounce, reason "invalid"); a throttle, a blacklist, an opt-out, a phone switched off or out of reach
today, a carrier's filter or an unknown failure only fails the message. docs/channels.md ("An invalid
number marks the contact point") lists the codes and where each provider documents them.
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
    # Twilio: 21211 invalid 'To' number, 21614 'To' is not a valid mobile number, 21635 'To' is a landline.
    "twilio": frozenset({"21211", "21614", "21635"}),
}

# Codes of a delivery report. Twilio: 30005 unknown destination handset (the number does not exist),
# 30006 landline or unreachable carrier; not 30003 (handset unreachable: off, out of coverage, temporary).
ON_REPORT: dict[str, frozenset[str]] = {
    "generic": frozenset({GENERIC_CODE}),
    "aliyun": frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "MOBILE_NUMBER_ILLEGAL"}),
    "tencent": frozenset({"InvalidParameterValue.IncorrectPhoneNumber"}),
    "twilio": frozenset({"30005", "30006"}),
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
