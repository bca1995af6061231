"""The one confirmation of an opt-out (services/inbound.py): "you will receive no more SMS from ...", in
the debtor's language, signed like every message (a Chinese SMS opens with 【sender】).

It is queued once per number (or address) and channel, ever: a second TD from the same number gets no
answer. The outbox sends it although the channel is now opted out: a message with the template
OPT_OUT_CONFIRMATION is the one exception the outbox job allows to an opt-out (services/outbox_delivery.py),
and nothing else about it (hours, caps) is asked, as the person has just written to us.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select

from huikuan.config import get_settings
from huikuan.i18n import gettext, normalize_locale
from huikuan.services.inbound_points import Holder
from huikuan.services.message_text import agency_name
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

OPT_OUT_CONFIRMATION = "opt_out_confirmation"


def confirmation_text(channel: str, sender: str, locale: str) -> tuple[str, str]:
    """(subject, body) of the confirmation in `locale`."""
    if channel == "email":
        body = gettext("You will receive no more e-mails from {sender}.", locale, sender=sender)
        return gettext("Unsubscribed", locale), body
    if channel == "wechat":
        return "", gettext("You will receive no more WeChat messages from {sender}.", locale, sender=sender)
    body = gettext("You will receive no more text messages from {sender}.", locale, sender=sender)
    return "", (f"【{sender}】{body}" if locale == "zh_CN" else body)


def queue_confirmation(
    uow: UnitOfWork, channel: str, address: str, found: Sequence[Holder], now: datetime
) -> int | None:
    """Queues the confirmation to `address` unless one was ever queued to it on this channel; its id."""
    m = t.messages.c
    earlier = uow.session.execute(
        select(m.id).where(m.template == OPT_OUT_CONFIRMATION, m.channel == channel, m.to == address).limit(1)
    ).first()
    holder = next((h for h in found if h.case_ids and h.party_id is None), None) or next(
        (h for h in found if h.case_ids), None
    )
    if earlier is not None or holder is None:
        return None
    d, c, cr = t.debtors.c, t.cases.c, t.creditors.c
    case_id = holder.case_ids[0]
    row = uow.session.execute(
        select(d.language, cr.name.label("creditor_name"))
        .select_from(t.cases.join(t.debtors, d.id == c.debtor_id).join(t.creditors, cr.id == c.creditor_id))
        .where(c.id == case_id)
    ).one()
    locale = normalize_locale(row.language)
    sender = agency_name(get_settings(), locale) or row.creditor_name
    subject, body = confirmation_text(channel, sender, locale)
    return int(
        uow.session.execute(
            insert(t.messages)
            .values(
                case_id=case_id,
                channel=channel,
                to=address,
                subject=subject,
                body=body,
                template=OPT_OUT_CONFIRMATION,
                status="queued",
                created_at=now,
                contact_point_id=holder.point_id,
                party_id=holder.party_id,
                locale=locale,
                attempts=0,
            )
            .returning(m.id)
        ).scalar_one()
    )
