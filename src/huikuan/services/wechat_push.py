"""The official account's message push (POST /api/v1/callbacks/wechat/{secret}): WeChat signs each push
with the account's token (HUIKUAN_WECHAT_TOKEN), and the address carries a secret of ours too
(HUIKUAN_WECHAT_CALLBACK_SECRET), since the push has no bearer token.

- a text (or any message the person sends): the time is kept per openid (the 48 hours in which a
  customer-service message may answer), and its text goes to the inbound service (services/inbound.py:
  opt-out keywords, replies on the case timeline);
- subscribe / unsubscribe events: the openid's bindings follow (WeChat is planned for followers only).

WeChat wants "success" (or an empty body) within five seconds, whatever we did with the push.

In the account's safe mode (安全模式; or the compatible mode) HUIKUAN_WECHAT_ENCODING_AES_KEY is set: the
query also carries `encrypt_type=aes` and `msg_signature` (the SHA-1 of the token, timestamp, nonce and
the ciphertext, sorted and joined), and the body is an envelope whose <Encrypt> is the push's XML
encrypted with AES-256-CBC (wechatpy's WeChatCrypto). `open_push` checks both signatures and decrypts;
a plain push is then refused. No passive reply is made ("success" needs no encryption in any mode); one
would have to be encrypted and signed the same way.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import insert, select, update
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
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


@dataclass(frozen=True)
class Signed:
    """What WeChat adds to the push's address: the signature of the token, timestamp and nonce; in safe
    mode `encrypt_type` "aes" and `msg_signature`, the signature of the ciphertext too."""

    signature: str
    timestamp: str
    nonce: str
    encrypt_type: str = ""
    msg_signature: str = ""


def open_push(settings: Settings, secret: str, signed: Signed, body: bytes) -> bytes:
    """The push's XML, once its address and signatures are checked (`check`): as received in plain-text
    mode; decrypted in safe mode. Forbidden for a push that is not what the configured mode sends."""
    check(settings, secret, signed.signature, signed.timestamp, signed.nonce)
    key = settings.wechat_encoding_aes_key
    if not key:
        if signed.encrypt_type:
            raise Forbidden("An encrypted push needs HUIKUAN_WECHAT_ENCODING_AES_KEY")
        return body
    if signed.encrypt_type != "aes":
        raise Forbidden("This account's pushes are encrypted: a plain push is refused")
    ciphertext = _encrypted_part(body)
    expected = _signature(settings.wechat_token, signed.timestamp, signed.nonce, ciphertext)
    if not secrets.compare_digest(expected.encode(), signed.msg_signature.encode()):
        raise Forbidden("The signature does not match")
    crypto = WeChatCrypto(settings.wechat_token, key, settings.wechat_app_id)
    try:
        plain = crypto.decrypt_message(
            {"Encrypt": ciphertext}, signed.msg_signature, signed.timestamp, signed.nonce
        )
    except InvalidAppIdException:
        raise Forbidden("The push is not for this account") from None
    except (ValueError, IndexError, struct.error):
        raise Forbidden("The push cannot be decrypted with the configured key") from None
    return str(plain).encode()


def _encrypted_part(body: bytes) -> str:
    try:
        found = ElementTree.fromstring(body).findtext("Encrypt")
    except ElementTree.ParseError:
        found = None
    if not found:
        raise Forbidden("The push is not an encrypted message")
    return found


def _signature(*parts: str) -> str:
    """WeChat's signature: the SHA-1 of the parts, sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


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
