"""Settings and approved templates that point the outbox at the local provider servers
(aliyun_sms_server.py, tencent_sms_server.py, twilio_server.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support import aliyun_sms_server as aliyun
from tests.support import tencent_sms_server as tencent
from tests.support import twilio_server as twilio
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings

from huikuan.config import Settings
from huikuan.services.sms_templates import set_template

CREDENTIALS: dict[str, dict[str, str]] = {
    "aliyun": {"aliyun_access_key_id": aliyun.KEY_ID, "aliyun_access_key_secret": aliyun.KEY_SECRET},
    "tencent": {
        "tencent_secret_id": tencent.SECRET_ID,
        "tencent_secret_key": tencent.SECRET_KEY,
        "tencent_sms_app_id": tencent.APP_ID,
    },
    "twilio": {
        "twilio_account_sid": twilio.ACCOUNT_SID,
        "twilio_auth_token": twilio.AUTH_TOKEN,
        "twilio_from": twilio.SENDER,
    },
}
# What the BANK creditor had approved for our "reminder" template at each provider.
APPROVED = {"aliyun": ("SMS_100001", "某银行"), "tencent": ("1110", "某银行"), "twilio": ("", "")}


def provider_settings(tmp_path: Path, provider: str, endpoint: str, **values: Any) -> Settings:
    """dispatch_due's settings for the provider at the local server, with a rate that never waits."""
    given: dict[str, Any] = {"sms_rate_per_second": 10_000.0, **CREDENTIALS[provider], **values}
    return channel_settings(tmp_path, sms_provider=provider, sms_endpoint=endpoint, **given)


def approve_reminder(floor: Floor, provider: str, creditor: str = "BANK") -> None:
    code, sign_name = APPROVED[provider]
    set_template(
        floor.uow,
        creditor,
        provider,
        "reminder",
        code,
        sign_name=sign_name,
        params="name,reference",
        now=MORNING,
    )
