"""What the outbox adds to a WeChat message before it goes (outbox_delivery.py): whether the openid is
bound to the case's debtor and follows the account, the creditor's template message, when the person
last wrote to the account (the 48-hour window of customer-service messages), and the token store shared
by every process; and what a refused openid changes afterwards (43004 unfollowed, 40003 invalid)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select

from huikuan.channels.base import DefinitiveFailure, Outgoing, Transport
from huikuan.channels.wechat import WechatOutgoing, WechatRecipientGone, WechatTransport
from huikuan.config import Settings
from huikuan.services import wechat_bindings
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.storage.wechat_session import DatabaseSessionStorage


def prepare(uow: UnitOfWork, transport: Transport | None) -> None:
    """The transport keeps its access token in the database, shared by every process."""
    if isinstance(transport, WechatTransport):
        transport.use_session(DatabaseSessionStorage(uow.engine))


def outgoing(uow: UnitOfWork, message: Outgoing, case_id: int, settings: Settings) -> WechatOutgoing:
    """The message with its binding, template and window, read now (and the read ended)."""
    app_id = settings.wechat_app_id
    b, c, w, i = t.wechat_bindings.c, t.cases.c, t.wechat_templates.c, t.wechat_inbound.c
    case = uow.session.execute(select(c.debtor_id, c.creditor_id).where(c.id == case_id)).one()
    bound = uow.session.execute(
        select(b.id).where(
            b.app_id == app_id,
            b.openid == message.to,
            b.debtor_id == case.debtor_id,
            b.status == "active",
            b.followed.is_(True),
        )
    ).first()
    template = uow.session.execute(
        select(w.template_id, w.fields).where(w.creditor_id == case.creditor_id)
    ).one_or_none()
    last = uow.session.execute(
        select(i.last_inbound_at).where(i.app_id == app_id, i.openid == message.to)
    ).scalar()
    uow.rollback()
    zh = message.locale == "zh_CN"
    return WechatOutgoing(
        **asdict(message),
        bound=bound is not None,
        template_id=template.template_id if template else None,
        fields=dict(template.fields) if template else {},
        last_inbound_at=last,
        url=settings.wechat_details_url or None,
        agency=(settings.agency_name_zh if zh else "") or settings.agency_name,
    )


def after_failure(uow: UnitOfWork, failure: DefinitiveFailure, now: datetime) -> None:
    """A refused openid is marked on its bindings (in the caller's transaction)."""
    if isinstance(failure, WechatRecipientGone):
        wechat_bindings.mark_gone(uow, failure.app_id, failure.openid, code=failure.code, now=now)
