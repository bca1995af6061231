"""SMS: one adapter per provider, chosen by HUIKUAN_SMS_PROVIDER: the generic HTTP API (transport.py,
HUIKUAN_SMS_URL and HUIKUAN_SMS_TOKEN), Aliyun (aliyun.py), Tencent Cloud (tencent.py) and Twilio
(twilio_sms.py); limits.py paces them, templated.py holds what the template-only providers share. The
providers' SDKs are imported only when that provider is the floor's (a command that sends nothing, such as
`huikuan plan`, does not pay for them)."""

from __future__ import annotations

from huikuan.channels.base import Transport
from huikuan.channels.sms.limits import bucket
from huikuan.channels.sms.transport import SmsTransport
from huikuan.config import Settings

KIND = "mobile"  # the contact point kind this channel sends to
PROVIDERS = ("generic", "aliyun", "tencent", "twilio")
CALLBACK_PATH = "/api/v1/callbacks/sms/{provider}/{secret}"


def transport(settings: Settings) -> Transport | None:
    """The configured provider, or None while it lacks its credentials: messages then stay queued."""
    provider = settings.sms_provider
    pace = bucket(provider, settings.sms_rate_per_second)
    endpoint = settings.sms_endpoint
    if provider == "aliyun":
        if not (settings.aliyun_access_key_id and settings.aliyun_access_key_secret):
            return None
        from huikuan.channels.sms.aliyun import AliyunSms

        return AliyunSms(
            settings.aliyun_access_key_id, settings.aliyun_access_key_secret, endpoint=endpoint, bucket=pace
        )
    if provider == "tencent":
        if not (settings.tencent_secret_id and settings.tencent_secret_key and settings.tencent_sms_app_id):
            return None
        from huikuan.channels.sms.tencent import TencentSms

        return TencentSms(
            settings.tencent_secret_id,
            settings.tencent_secret_key,
            settings.tencent_sms_app_id,
            region=settings.tencent_region,
            endpoint=endpoint,
            bucket=pace,
        )
    if provider == "twilio":
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from):
            return None
        from huikuan.channels.sms.twilio_sms import TwilioSms

        return TwilioSms(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            endpoint=endpoint,
            status_callback=callback_url(settings, "twilio"),
            bucket=pace,
        )
    return SmsTransport(settings.sms_url, settings.sms_token) if settings.sms_url else None


def callback_url(settings: Settings, provider: str) -> str | None:
    """The provider's secret callback address under HUIKUAN_PUBLIC_URL, or None while either is unset."""
    if not (settings.public_url and settings.sms_callback_secret):
        return None
    path = CALLBACK_PATH.format(provider=provider, secret=settings.sms_callback_secret)
    return settings.public_url.rstrip("/") + path


__all__ = ["KIND", "PROVIDERS", "SmsTransport", "callback_url", "transport"]
