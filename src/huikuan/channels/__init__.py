"""Outbound channels: sms/, email/ and letter/, each with the same small file set (an `__init__` with the
contact point KIND it sends to and a `transport(settings)` factory, and `transport.py`); base.py holds
what they share and render.py the message templates (templates/<channel>/<name>.<locale>.j2).

A channel without a configured transport (SMS without HUIKUAN_SMS_URL, WeChat) keeps its messages queued,
and the daily plan never plans it. On a sandbox floor (HUIKUAN_SANDBOX=1) every channel is "sandbox": its
messages are marked sent and never handed to a provider.
"""

from __future__ import annotations

from huikuan.channels import email, letter, sms
from huikuan.channels.base import Transport
from huikuan.config import Settings

# The contact point kind each channel sends to.
KINDS: dict[str, str] = {"sms": sms.KIND, "email": email.KIND, "letter": letter.KIND, "wechat": "wechat"}


def transport_for(channel: str, settings: Settings) -> Transport | None:
    """The channel's transport as configured, or None when it cannot send (the message waits)."""
    if channel == "sms":
        return sms.transport(settings)
    if channel == "email":
        return email.transport(settings)
    if channel == "letter":
        return letter.transport(settings)
    return None


MESSAGE_CHANNELS = ("sms", "email", "letter", "wechat")
# The setting a channel needs before it can send; None: it has no transport in this version.
NEEDS: dict[str, str | None] = {
    "sms": "HUIKUAN_SMS_URL",
    "email": "HUIKUAN_SMTP_HOST",
    "letter": "HUIKUAN_LETTERS_DIR",
    "wechat": None,
}


def channel_state(channel: str, settings: Settings) -> str:
    """ "sandbox" on a sandbox floor, else "configured" or "not_configured". A channel with no transport in
    this version (NEEDS None: WeChat) is not configured, sandbox or not."""
    if NEEDS.get(channel) is None:
        return "not_configured"
    if settings.sandbox:
        return "sandbox"
    return "configured" if transport_for(channel, settings) is not None else "not_configured"


def sendable_channels(settings: Settings) -> frozenset[str]:
    """The message channels whose messages leave the outbox (by a provider, or as sandbox)."""
    return frozenset(ch for ch in MESSAGE_CHANNELS if channel_state(ch, settings) != "not_configured")
