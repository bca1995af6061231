"""A creditor's WeChat template message (table wechat_templates): the id of the template the official
account had approved for it, and which of our fields fills each of its keywords.

The template's first line is always our neutral "You have a new message" (channels/wechat/transport.py):
a notification's preview can be read by anyone near the phone. The fields a keyword may show are
channels/wechat.FIELDS: reference (our reference for the case), date, agency (our name), subject (the
message's neutral first line) and notice ("Tap for details"); never an amount or the creditor's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from huikuan.channels.wechat.transport import FIELDS
from huikuan.errors import InvalidInput
from huikuan.services.creditors import get_creditor
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

_KEYWORD = re.compile(r"^(keyword[1-9]|remark|thing[0-9]{1,2}|time[0-9]{1,2}|character_string[0-9]{1,2})$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class WechatTemplate:
    creditor: str
    template_id: str
    fields: dict[str, str]


def set_template(
    uow: UnitOfWork, code: str, template_id: str, fields: Mapping[str, str], *, now: datetime
) -> WechatTemplate:
    """Sets the creditor's template (replacing any); refuses an unknown keyword or field."""
    creditor = get_creditor(uow, code)
    if not _TEMPLATE_ID.match(template_id):
        raise InvalidInput("Template id: {value} is not a WeChat template id", value=template_id)
    for keyword, name in fields.items():
        if keyword == "first" or not _KEYWORD.match(keyword):
            raise InvalidInput("Keyword: {value} is not a template keyword we fill", value=keyword)
        if name not in FIELDS:
            raise InvalidInput("Field: {value} is not one of {known}", value=name, known=", ".join(FIELDS))
    w = t.wechat_templates.c
    values = {"template_id": template_id, "fields": dict(fields), "updated_at": now}
    done = uow.session.execute(
        update(t.wechat_templates).where(w.creditor_id == creditor.id).values(**values)
    )
    if getattr(done, "rowcount", 0) == 0:
        uow.session.execute(insert(t.wechat_templates).values(creditor_id=creditor.id, **values))
    record(
        uow.session,
        at=now,
        user_id=None,
        action="wechat.template_set",
        entity="creditor",
        entity_id=creditor.id,
        detail={"template_id": template_id, "fields": dict(fields)},
    )
    uow.commit()
    return WechatTemplate(code, template_id, dict(fields))


def template_of(uow: UnitOfWork, code: str) -> WechatTemplate | None:
    creditor = get_creditor(uow, code)
    w = t.wechat_templates.c
    row = uow.session.execute(
        select(w.template_id, w.fields).where(w.creditor_id == creditor.id)
    ).one_or_none()
    return WechatTemplate(code, row.template_id, dict(row.fields)) if row else None
