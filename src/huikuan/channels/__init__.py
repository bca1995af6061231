"""Outbound channels: sms/, email/ and letter/, each with the same small file set (an `__init__` with the
contact point KIND it sends to and a `transport(settings)` factory, and `transport.py`); base.py holds
what they share and render.py the message templates (templates/<channel>/<name>.<locale>.j2).

A channel without a configured transport (SMS without its provider's settings, WeChat without an app id
and secret) keeps its messages queued, and the daily plan never plans it. On a sandbox floor
(HUIKUAN_SANDBOX=1) every channel is "sandbox": its messages are marked sent and never handed to a provider.
"""

from __future__ import annotations

from huikuan.channels import email, letter, sms, wechat
from huikuan.channels.base import Transport
from huikuan.config import Settings

# The contact point kind each channel sends to.
KINDS: dict[str, str] = {"sms": sms.KIND, "email": email.KIND, "letter": letter.KIND, "wechat": wechat.KIND}


def transport_for(channel: str, settings: Settings) -> Transport | None:
    """The channel's transport as configured, or None when it cannot send (the message waits)."""
    if channel == "sms":
        return sms.transport(settings)
    if channel == "email":
        return email.transport(settings)
    if channel == "letter":
        return letter.transport(settings)
    if channel == "wechat":
        return wechat.transport(settings)
    return None


MESSAGE_CHANNELS = ("sms", "email", "letter", "wechat")
# The settings a channel needs before it can send (SMS: those of the chosen provider).
NEEDS: dict[str, str] = {
    "email": "HUIKUAN_SMTP_HOST",
    "letter": "HUIKUAN_LETTERS_DIR",
    "wechat": "HUIKUAN_WECHAT_APP_ID, HUIKUAN_WECHAT_APP_SECRET",
}
SMS_NEEDS: dict[str, str] = {
    "generic": "HUIKUAN_SMS_URL",
    "aliyun": "HUIKUAN_ALIYUN_ACCESS_KEY_ID, HUIKUAN_ALIYUN_ACCESS_KEY_SECRET",
    "tencent": "HUIKUAN_TENCENT_SECRET_ID, HUIKUAN_TENCENT_SECRET_KEY, HUIKUAN_TENCENT_SMS_APP_ID",
    "twilio": "HUIKUAN_TWILIO_ACCOUNT_SID, HUIKUAN_TWILIO_AUTH_TOKEN, HUIKUAN_TWILIO_FROM",
}


def needs(channel: str, settings: Settings) -> str:
    """The settings the channel needs before it can send, as the page names them."""
    return SMS_NEEDS[settings.sms_provider] if channel == "sms" else NEEDS[channel]


def channel_state(channel: str, settings: Settings) -> str:
    """ "sandbox" on a sandbox floor, else "configured" or "not_configured"."""
    if settings.sandbox:
        return "sandbox"
    return "configured" if transport_for(channel, settings) is not None else "not_configured"


def sendable_channels(settings: Settings) -> frozenset[str]:
    """The message channels whose messages leave the outbox (by a provider, or as sandbox)."""
    return frozenset(ch for ch in MESSAGE_CHANNELS if channel_state(ch, settings) != "not_configured")
