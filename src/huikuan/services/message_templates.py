"""The message templates in the administration: the shipped texts (channels/templates), an administrator's
own text of one for a language (for every creditor, or for one creditor), its preview with sample values,
and the way back to the shipped text.

An edited text uses the same fields as the shipped file (services/message_text.py lists the context); a
field the messages never get is refused, and so is a text that leaves out a disclosure the shipped one
carries (channels/disclosures.py: a message without it would be refused when sent). Sending looks the
text up here (`text_for`) and hands it to channels/render.py, which never reads the database.
Administrators edit; supervisors read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select

from huikuan.channels import disclosures
from huikuan.channels.render import (
    LOCALES,
    Rendered,
    TemplateText,
    date_text,
    money_text,
    render_text,
    shipped_text,
    template_fields,
    template_names,
)
from huikuan.channels.render import exists as template_exists
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin, require_supervisor
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

CHANNELS = ("sms", "email", "letter")
# The fields every message gets (services/message_text.py `_context`); nothing else may be named.
FIELDS = frozenset(
    {
        "recipient_name",
        "recipient_address",
        "debtor_name",
        "creditor_name",
        "sender",
        "agency_address",
        "agency_phone",
        "collector",
        "signer",
        "reference",
        "today",
        "dispute_by",
        "pack",
        "us_validation",
        "disclosures",
        "balance",
        "accounts",
        "promise",
        "arrangement",
        "payment",
    }
)
PACKS = ("cn", "us-reg-f", "uk-conc")
MAX_SUBJECT = 300
MAX_BODY = 20_000
_DISCLOSURE = re.compile(r"disclosures\.([a-z_]+)")


@dataclass(frozen=True)
class TemplateKey:
    """Which text: a channel's template in a language, for every creditor (None) or for one."""

    channel: str
    name: str
    locale: str
    creditor_id: int | None = None


def listing(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """Every shipped template in each language it has, and which creditors (None: all) have an edited
    text of it."""
    require_supervisor(viewer)
    m = t.message_templates.c
    edited: dict[tuple[str, str, str], list[int | None]] = {}
    for row in uow.session.execute(select(m.channel, m.name, m.locale, m.creditor_id)):
        edited.setdefault((row.channel, row.name, row.locale), []).append(row.creditor_id)
    return [
        {
            "channel": channel,
            "name": name,
            "locale": locale,
            "edited_for": edited.get((channel, name, locale), []),
        }
        for channel in CHANNELS
        for name in template_names(channel)
        for locale in LOCALES
        if template_exists(channel, name, locale)
    ]


def text_for(
    uow: UnitOfWork, channel: str, name: str, locale: str, creditor_id: int | None
) -> TemplateText | None:
    """The text a message of this creditor uses instead of the shipped file: its creditor's own, else the
    one for every creditor, else None (the shipped file)."""
    m = t.message_templates.c
    rows = uow.session.execute(
        select(m.subject, m.body, m.creditor_id).where(
            m.channel == channel, m.name == name, m.locale == locale
        )
    ).all()
    by_creditor = {r.creditor_id: r for r in rows}
    row = by_creditor.get(creditor_id) if creditor_id is not None else None
    row = row or by_creditor.get(None)
    return TemplateText(row.subject, row.body) if row else None


def template_page(uow: UnitOfWork, viewer: Viewer, key: TemplateKey) -> dict[str, Any]:
    """The shipped text, the edited one in force for this key (if any) and who changed it when."""
    require_supervisor(viewer)
    _check_key(uow, key)
    shipped = shipped_text(key.channel, key.name, key.locale)
    m, u = t.message_templates.c, t.users.c
    row = uow.session.execute(
        select(m.subject, m.body, m.updated_at, u.display_name.label("updated_by"))
        .outerjoin(t.users, u.id == m.updated_by)
        .where(*_where(key))
    ).one_or_none()
    return {
        "key": key,
        "shipped": shipped,
        "edited": TemplateText(row.subject, row.body) if row else None,
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by if row else None,
        "has_subject": key.channel != "sms",
    }


def preview(uow: UnitOfWork, viewer: Viewer, key: TemplateKey, text: TemplateText) -> Rendered:
    """The text rendered with sample values (nothing is saved); InvalidInput for what `save` would refuse."""
    require_supervisor(viewer)
    _check_key(uow, key)
    return _checked(key, text)


def save(uow: UnitOfWork, viewer: Viewer, key: TemplateKey, text: TemplateText, now: datetime) -> Rendered:
    """Keeps the administrator's text for this key (replacing an earlier one); audited; commits."""
    require_admin(viewer)
    _check_key(uow, key)
    done = _checked(key, text)
    m = t.message_templates.c
    old = uow.session.execute(select(m.id, m.subject, m.body).where(*_where(key))).one_or_none()
    values = {"subject": text.subject, "body": text.body, "updated_by": viewer.user_id, "updated_at": now}
    if old is None:
        changed = ["subject", "body"] if text.subject else ["body"]
        uow.session.execute(
            t.message_templates.insert().values(
                channel=key.channel, name=key.name, locale=key.locale, creditor_id=key.creditor_id, **values
            )
        )
    else:
        changed = [f for f in ("subject", "body") if getattr(old, f) != getattr(text, f)]
        uow.session.execute(t.message_templates.update().where(m.id == old.id).values(**values))
    _audit(uow, viewer, "template.edit", key, now, changed)
    uow.commit()
    return done


def revert(uow: UnitOfWork, viewer: Viewer, key: TemplateKey, now: datetime) -> None:
    """Back to the shipped text for this key; NotFound if it was not edited. Audited; commits."""
    require_admin(viewer)
    _check_key(uow, key)
    done = uow.session.execute(t.message_templates.delete().where(*_where(key)))
    gone = int(getattr(done, "rowcount", 0) or 0)
    if not gone:
        raise NotFound("Template {template} has no edited text here", template=f"{key.channel}/{key.name}")
    _audit(uow, viewer, "template.revert", key, now, ["subject", "body"])
    uow.commit()


def _audit(
    uow: UnitOfWork, viewer: Viewer, action: str, key: TemplateKey, now: datetime, changed: list[str]
) -> None:
    record(
        uow.session,
        at=now,
        user_id=viewer.user_id,
        action=action,
        entity="message_template",
        entity_id=key.creditor_id,
        detail={
            "template": f"{key.channel}/{key.name}",
            "locale": key.locale,
            "creditor_id": key.creditor_id,
            "changed": changed,
        },
    )


def _where(key: TemplateKey) -> list[Any]:
    m = t.message_templates.c
    creditor = m.creditor_id.is_(None) if key.creditor_id is None else m.creditor_id == key.creditor_id
    return [m.channel == key.channel, m.name == key.name, m.locale == key.locale, creditor]


def _check_key(uow: UnitOfWork, key: TemplateKey) -> None:
    if key.channel not in CHANNELS or not template_exists(key.channel, key.name, key.locale):
        raise NotFound(
            "There is no {channel} template called {template}", channel=key.channel, template=key.name
        )
    if key.creditor_id is not None:
        found = uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.id == key.creditor_id))
        if found.first() is None:
            raise NotFound("No creditor with id {id}", id=key.creditor_id)


def _checked(key: TemplateKey, text: TemplateText) -> Rendered:
    """The text rendered with sample values after every check: its size, its syntax, the fields it names,
    the disclosures the shipped text carries; InvalidInput names what is wrong."""
    if key.channel == "sms" and text.subject.strip():
        raise InvalidInput("An SMS has no subject")
    if not text.body.strip():
        raise InvalidInput("The text must not be empty")
    if len(text.subject) > MAX_SUBJECT or len(text.body) > MAX_BODY:
        raise InvalidInput("The text is too long: at most {n} characters", n=MAX_BODY)
    try:
        named = template_fields(text)
    except TemplateError as exc:
        raise InvalidInput(
            "The text is not a valid template: {reason}", reason=str(exc.message or exc)
        ) from None
    unknown = sorted(named - FIELDS)
    if unknown:
        raise InvalidInput(
            "Unknown field {field}: the fields are {known}", field=unknown[0], known=", ".join(sorted(FIELDS))
        )
    shipped = shipped_text(key.channel, key.name, key.locale)
    lost = sorted(
        set(_DISCLOSURE.findall(shipped.subject + shipped.body)) - set(_DISCLOSURE.findall(text.body))
    )
    if lost:
        raise InvalidInput(
            "The text leaves out the disclosure {code} that the shipped text carries",
            code=f"disclosures.{lost[0]}",
        )
    try:
        rendered = render_text(text, sample_context(key.channel, key.locale))
    except TemplateError as exc:
        raise InvalidInput(
            "The text cannot be written with sample values: {reason}", reason=str(exc)
        ) from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "The text cannot be written with sample values: {reason}", reason=str(exc)
        ) from None
    for pack in disclosures.DISCREET:
        shown = disclosures.revealing(pack, key.channel, rendered.subject, rendered.body)
        if shown:
            raise InvalidInput(
                "Template {template} shows {words} where a third party may read it first ({pack} rules)",
                template=f"{key.channel}/{key.name}",
                words=", ".join(shown),
                pack=pack,
            )
    return rendered


def sample_context(channel: str, locale: str, pack: str = "cn") -> dict[str, Any]:
    """Sample values of every field, formatted for the language as real ones are."""
    zh = locale == "zh_CN"
    day = date(2026, 12, 1)

    def money(minor: int) -> str:
        return money_text(minor, "CNY", locale)

    sender = "汇款服务" if zh else "Huikuan Services"
    creditor = "示例银行" if zh else "Example Bank"
    account = {
        "ref": "4000-1234",
        "product": "信用卡" if zh else "credit card",
        "currency": "CNY",
        "principal": money(1_000_000),
        "interest": money(20_000),
        "fees": money(5_000),
        "balance": money(1_025_000),
        "itemization_date": date_text(date(2026, 6, 30), locale),
        "credits": money(0),
    }
    return {
        "recipient_name": "张三" if zh else "Sam Taylor",
        "recipient_address": ["北京市朝阳区示例路1号"] if zh else ["1 Example Road", "London"],
        "debtor_name": "张三" if zh else "Sam Taylor",
        "creditor_name": creditor,
        "sender": sender,
        "agency_address": ["上海市示例路2号"] if zh else ["2 Sample Street"],
        "agency_phone": "400-000-0000",
        "collector": "李四" if zh else "Alex Lee",
        "signer": "李四" if zh else "Alex Lee",
        "reference": "C000042",
        "today": date_text(day, locale),
        "dispute_by": date_text(date(2027, 1, 7), locale),
        "pack": pack,
        "us_validation": False,
        "disclosures": disclosures.required(
            pack, channel, locale, sender=sender, creditor=creditor, initial=True
        ),
        "balance": money(1_025_000),
        "accounts": [account],
        "promise": {"amount": money(200_000), "due_date": date_text(date(2026, 12, 15), locale)},
        "arrangement": {
            "kind": "instalments",
            "total": money(900_000),
            "instalments": [
                {
                    "seq": n,
                    "due_date": date_text(date(2026, 12 if n == 1 else 1, 15), locale),
                    "amount": money(450_000),
                }
                for n in (1, 2)
            ],
        },
        "payment": {"amount": money(200_000), "date": date_text(day, locale)},
    }
