"""Each channel's state for the administration: whether its settings let it send (channels.transport_for,
the payment providers' registry), the settings it reads (names, and whether each is set; never a secret's
value), its last delivery and its last error (the outbox's messages, the payment links).

An error text may quote a recipient: e-mail addresses and long digit runs are masked before it is shown.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from huikuan.channels import channel_state, needs, transport_for
from huikuan.channels.payments import registry
from huikuan.config import Settings, get_settings
from huikuan.services.access import Viewer, require_supervisor
from huikuan.services.sms_templates import list_templates
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CHANNELS = ("sms", "email", "letter", "wechat")
# The settings each channel reads: (setting, secret); a secret is only said to be set or not.
SETTINGS: dict[str, tuple[tuple[str, bool], ...]] = {
    "sms": (("sms_url", False), ("sms_token", True)),
    "email": (
        ("smtp_host", False),
        ("smtp_port", False),
        ("smtp_user", False),
        ("smtp_password", True),
        ("mail_from", False),
    ),
    "letter": (("letters_dir", False), ("letter_return_address", False)),
    "wechat": (
        ("wechat_app_id", False),
        ("wechat_app_secret", True),
        ("wechat_token", True),
        ("wechat_callback_secret", True),
        ("wechat_encoding_aes_key", True),
        ("public_url", False),
    ),
}
# The SMS settings shown depend on the provider chosen (channels/sms/__init__.py).
SMS_SETTINGS: dict[str, tuple[tuple[str, bool], ...]] = {
    "generic": (("sms_url", False), ("sms_token", True)),
    "aliyun": (("aliyun_access_key_id", True), ("aliyun_access_key_secret", True)),
    "tencent": (
        ("tencent_sms_app_id", False),
        ("tencent_region", False),
        ("tencent_secret_id", True),
        ("tencent_secret_key", True),
    ),
    "twilio": (("twilio_from", False), ("twilio_account_sid", True), ("twilio_auth_token", True)),
}
SMS_COMMON = (
    ("sms_provider", False),
    ("sms_endpoint_url", False),
    ("sms_rate_per_second", False),
    ("sms_callback_secret", True),
)
SENT = ("sent", "delivered")
_EMAIL = re.compile(r"[^\s@<>]+@[^\s@<>]+")
_DIGITS = re.compile(r"\d{5,}")
ERROR_CHARS = 200


def masked_error(text: str | None) -> str:
    """An error as shown: addresses and numbers masked, at most ERROR_CHARS characters."""
    if not text:
        return ""
    return _DIGITS.sub("•••", _EMAIL.sub("•••@•••", text))[:ERROR_CHARS]


def _settings_of(channel: str, settings: Settings) -> tuple[tuple[str, bool], ...]:
    if channel != "sms":
        return SETTINGS[channel]
    return SMS_COMMON + SMS_SETTINGS[settings.sms_provider]


def _shown(settings: Settings, name: str, secret: bool) -> dict[str, Any]:
    if name == "sms_endpoint_url":  # shown as a URL (where it goes, no more)
        value = settings.sms_endpoint
        name = "sms_endpoint"
        if value and "//" in value:
            parts = urlsplit(value)
            value = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        return {"name": name, "set": bool(value), "value": value or ""}
    value = getattr(settings, name)
    if secret or value in (None, ""):
        return {"name": name, "set": value not in (None, ""), "value": ""}
    text = str(value)
    if name.endswith("_url"):  # only where it goes: a URL may carry a key in its query
        parts = urlsplit(text)
        text = f"{parts.scheme}://{parts.hostname or ''}"
    return {"name": name, "set": True, "value": text}


def channels(uow: UnitOfWork, viewer: Viewer, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Each message channel and the payment providers: configured or not, settings, last delivery, last
    error."""
    require_supervisor(viewer)
    settings = settings or get_settings()
    m = t.messages.c
    found = []
    for channel in CHANNELS:
        last_sent = uow.session.execute(
            select(func.max(m.sent_at)).where(m.channel == channel, m.status.in_(SENT))
        ).scalar_one()
        error = uow.session.execute(
            select(m.error, m.created_at, m.sent_at)
            .where(m.channel == channel, m.status == "failed", m.error.is_not(None))
            .order_by(m.id.desc())
            .limit(1)
        ).one_or_none()
        waiting = uow.session.execute(
            select(func.count()).where(m.channel == channel, m.status == "queued")
        ).scalar_one()
        found.append(
            {
                "channel": channel,
                "configured": transport_for(channel, settings) is not None,
                # configured, not_configured (with the setting it needs), or sandbox (nothing is sent)
                "state": channel_state(channel, settings),
                "needs": needs(channel, settings),
                "settings": [
                    _shown(settings, name, secret) for name, secret in _settings_of(channel, settings)
                ],
                "last_sent": last_sent,
                "last_error": masked_error(error.error) if error else "",
                "last_error_at": (error.created_at if error else None),
                "queued": int(waiting),
            }
        )
    return found


def payment_providers(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """Each payment provider: configured in this deployment or not, the creditors with a merchant of it,
    and its last link."""
    require_supervisor(viewer)
    try:
        ready = set(registry.configured())
    except (OSError, ValueError):
        ready = set()
    pm, pl = t.payment_merchants.c, t.payment_links.c
    found = []
    for name in registry.FACTORIES:
        merchants = uow.session.execute(select(func.count()).where(pm.provider == name)).scalar_one()
        last = uow.session.execute(select(func.max(pl.created_at)).where(pl.provider == name)).scalar_one()
        found.append(
            {"provider": name, "configured": name in ready, "merchants": int(merchants), "last_link": last}
        )
    return found


def sms_templates(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """Each creditor's SMS templates approved at the providers (set with `huikuan sms-templates`)."""
    require_supervisor(viewer)
    return [r.to_dict() for r in list_templates(uow)]
