"""Outbound channels: sms/, email/ and letter/, each with the same small file set (an `__init__` with the
contact point KIND it sends to and a `transport(settings)` factory, and `transport.py`); base.py holds
what they share and render.py the message templates (templates/<channel>/<name>.<locale>.j2).

A channel without a configured transport (SMS without HUIKUAN_SMS_URL, WeChat without an app id and
secret) keeps its messages queued.
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
