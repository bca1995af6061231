"""WeChat in the tests: the settings that point the channel at a local WeChat (tests/support/wechat_server),
a creditor's template message, and a debtor's openid bound the way a person binds it (the bind link,
WeChat's OAuth code, the consent)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings
from tests.support.wechat_server import WechatServer

from huikuan.config import Settings
from huikuan.services import wechat_bindings
from huikuan.storage import tables as t

PUBLIC_URL = "https://hk.example.cn"
SECRET_KEY = "tests-only-secret-key-for-signed-links"
TEMPLATE_ID = "TPL-neutral-1"
# The creditor's template: keyword1 our reference, keyword2 the date, remark "Tap for details".
FIELDS = {"keyword1": "reference", "keyword2": "date", "remark": "notice"}


def wechat_values(server: WechatServer) -> dict[str, str]:
    return {
        "wechat_app_id": server.app_id,
        "wechat_app_secret": server.secret,
        "wechat_api_url": server.url,
        "wechat_token": "push-token",
        "wechat_callback_secret": "push-path-secret",
        "public_url": PUBLIC_URL,
        "wechat_details_url": PUBLIC_URL + "/portal",
        "secret_key": SECRET_KEY,
    }


def wechat_settings(tmp_path: Path, server: WechatServer, **values: Any) -> Settings:
    return channel_settings(tmp_path, **{**wechat_values(server), **values})


def creditor_template(floor: Floor, creditor_id: int, fields: dict[str, str] | None = None) -> None:
    floor.uow.session.execute(
        insert(t.wechat_templates).values(
            creditor_id=creditor_id, template_id=TEMPLATE_ID, fields=fields or FIELDS, updated_at=MORNING
        )
    )
    floor.uow.commit()


def bind(
    floor: Floor,
    server: WechatServer,
    settings: Settings,
    case_id: int,
    openid: str,
    *,
    at: datetime = MORNING,
) -> int:
    """The person opens the case's bind link in WeChat, WeChat sends back a code, the person agrees."""
    server.follower(openid)
    code = server.issue_code(openid)
    token = wechat_bindings.bind_token(settings, case_id)
    asked = wechat_bindings.consent(floor.uow, settings, code, token, "zh_CN")
    return wechat_bindings.bind(
        floor.uow, settings, asked.token, locale="zh_CN", address="203.0.113.9", now=at
    )
