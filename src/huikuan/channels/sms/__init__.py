"""SMS: a provider adapter over HTTP (transport.py); configured by HUIKUAN_SMS_URL and HUIKUAN_SMS_TOKEN."""

from __future__ import annotations

from huikuan.channels.sms.transport import SmsTransport
from huikuan.config import Settings

KIND = "mobile"  # the contact point kind this channel sends to


def transport(settings: Settings) -> SmsTransport | None:
    """The configured provider, or None: without HUIKUAN_SMS_URL messages stay queued."""
    return SmsTransport(settings.sms_url, settings.sms_token) if settings.sms_url else None


__all__ = ["KIND", "SmsTransport", "transport"]
