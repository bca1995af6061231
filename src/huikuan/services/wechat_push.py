"""The official account's message push (POST /api/v1/callbacks/wechat/{secret}): WeChat signs each push
with the account's token (HUIKUAN_WECHAT_TOKEN), and the address carries a secret of ours too
(HUIKUAN_WECHAT_CALLBACK_SECRET), since the push has no bearer token.

- a text (or any message the person sends): the time is kept per openid (the 48 hours in which a
  customer-service message may answer), and its text goes to the inbound service (services/inbound.py:
  opt-out keywords, replies on the case timeline);
- subscribe / unsubscribe events: the openid's bindings follow (WeChat is planned for followers only).

WeChat wants "success" (or an empty body) within five seconds, whatever we did with the push.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from huikuan.channels.inbound import Inbound
from huikuan.config import Settings
from huikuan.errors import Forbidden, NotFound
from huikuan.services import inbound, wechat_bindings
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def check(settings: Settings, secret: str, signature: str, timestamp: str, nonce: str) -> None:
    """NotFound for a wrong address (or WeChat not configured), Forbidden for a wrong signature."""
    expected = settings.wechat_callback_secret
    if not (expected and settings.wechat_token and settings.wechat_app_id):
        raise NotFound("Not found")
    if not secrets.compare_digest(secret.encode(), expected.encode()):
        raise NotFound("Not found")
    try:
        check_signature(settings.wechat_token, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise Forbidden("The signature does not match") from None


def receive_push(uow: UnitOfWork, settings: Settings, body: bytes, *, now: datetime | None = None) -> str:
    """Applies one (already checked) push; what it was: "text", "message", "subscribe", "unsubscribe" or
    "ignored"."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    message: Any = parse_message(body)
    openid, app_id = str(getattr(message, "source", "") or ""), settings.wechat_app_id
    if not openid:
        return "ignored"
    kind = str(getattr(message, "type", ""))
    if kind == "event":
        event = str(getattr(message, "event", "")).lower()
        if event in ("subscribe", "subscribe_scan"):
            wechat_bindings.set_followed(uow, app_id, openid, True, now=when)
            uow.commit()
            return "subscribe"
        if event == "unsubscribe":
            wechat_bindings.set_followed(uow, app_id, openid, False, now=when)
            uow.commit()
            return "unsubscribe"
        return "ignored"
    _keep_inbound_time(uow, app_id, openid, when)
    uow.commit()
    if kind != "text":
        return "message"
    inbound.receive(
        uow,
        Inbound(
            channel="wechat",
            sender=openid,
            to=str(getattr(message, "target", "") or app_id),
            text=str(message.content or ""),
            received_at=when,  # WeChat's CreateTime is in whole seconds and pushed at once: ours is as good
            provider="wechat",
            provider_ref=str(message.id) if getattr(message, "id", None) else None,
        ),
        now=when,
    )
    return "text"


def _keep_inbound_time(uow: UnitOfWork, app_id: str, openid: str, when: datetime) -> None:
    i = t.wechat_inbound.c
    known = uow.session.execute(
        select(i.last_inbound_at).where(i.app_id == app_id, i.openid == openid)
    ).one_or_none()
    if known is None:
        uow.session.execute(
            insert(t.wechat_inbound).values(app_id=app_id, openid=openid, last_inbound_at=when)
        )
    elif known.last_inbound_at < when:
        uow.session.execute(
            update(t.wechat_inbound)
            .where(i.app_id == app_id, i.openid == openid)
            .values(last_inbound_at=when)
        )
