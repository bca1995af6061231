"""The replies no debtor matched: messages people sent us (services/inbound.py, outcome "unknown") whose
number, address or WeChat account no debtor or related party has. Nothing was done with them; a
supervisor reads them here to find whom they came from (a new number of a debtor, a wrong number).

`unknown_messages` lists them newest first with the true total, each sender masked as the case page masks
a contact point; `reveal_sender` gives one sender in full once the reveal is audited (action
`reveal.inbound_sender`), as services/reveal.py does for a case's values. Supervisors and administrators
only: the messages belong to no case, so no collector's or creditor's scope reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from huikuan.errors import NotFound
from huikuan.services.access import Viewer, require_supervisor
from huikuan.services.masking import mask_email, mask_handle, mask_phone
from huikuan.services.paging import Paging, paging
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

UNKNOWN = "unknown"
PER_PAGE = 50
MOST_PER_PAGE = 200
EXCERPT_CHARS = 500  # the list shows this much of a message's text


@dataclass(frozen=True)
class UnknownMessage:
    """One message from an unknown sender as listed: the sender masked, the text cut at EXCERPT_CHARS."""

    id: int
    channel: str
    provider: str
    sender: str  # masked
    recipient: str  # our own number, address or account: not personal data
    subject: str
    text: str
    received_at: datetime


def mask_sender(channel: str, sender: str) -> str:
    """A sender as shown: a number as a mobile's mask, an address as an e-mail's, an openid as a handle's."""
    if channel == "sms":
        return mask_phone(sender)
    if channel == "email":
        return mask_email(sender)
    return mask_handle(sender)


def unknown_messages(
    uow: UnitOfWork, viewer: Viewer, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[UnknownMessage], Paging]:
    """A page of the messages no debtor matched, newest first (by when the provider received them), with
    the true total."""
    require_supervisor(viewer)
    im = t.inbound_messages.c
    wanted = select(im.id).where(im.outcome == UNKNOWN)
    placed = paging(uow, wanted, page, per_page, most=MOST_PER_PAGE)
    rows = uow.session.execute(
        select(im.id, im.channel, im.provider, im.sender, im.recipient, im.subject, im.text, im.received_at)
        .where(im.outcome == UNKNOWN)
        .order_by(im.received_at.desc(), im.id.desc())
        .offset(placed.offset)
        .limit(placed.per_page)
    ).all()
    listed = [
        UnknownMessage(
            id=int(r.id),
            channel=str(r.channel),
            provider=str(r.provider),
            sender=mask_sender(r.channel, r.sender),
            recipient=str(r.recipient or ""),
            subject=str(r.subject or ""),
            text=str(r.text or "")[:EXCERPT_CHARS],
            received_at=r.received_at,
        )
        for r in rows
    ]
    return listed, placed


def reveal_sender(uow: UnitOfWork, viewer: Viewer, inbound_id: int, *, now: datetime | None = None) -> str:
    """The full sender of one unknown message, once the reveal is audited; commits. NotFound for a
    message that is not an unknown sender's (a matched reply's sender is a contact point of its case,
    revealed there)."""
    require_supervisor(viewer)
    im = t.inbound_messages.c
    row = uow.session.execute(
        select(im.channel, im.sender).where(im.id == inbound_id, im.outcome == UNKNOWN)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no message {id} from an unknown sender", id=inbound_id)
    record(
        uow.session,
        at=(now or datetime.now(UTC)).astimezone(UTC),
        user_id=viewer.user_id,
        action="reveal.inbound_sender",
        entity="inbound_message",
        entity_id=inbound_id,
        detail={"channel": row.channel},
    )
    uow.commit()
    return str(row.sender)


__all__ = ["UnknownMessage", "mask_sender", "reveal_sender", "unknown_messages"]
