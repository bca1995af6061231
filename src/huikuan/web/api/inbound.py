"""What comes back from the providers (docs/channels.md, "Replies and opt-outs" and "Bounces"): a person's
SMS reply, an e-mail reply, and an e-mail bounce, each handed to services/inbound.py.

The callers are providers, not users: they are authenticated as the SMS delivery reports are, by
HUIKUAN_SMS_TOKEN sent as `Authorization: Bearer <token>` (web/api/outbox.provider). A request without
the token (or with none configured) answers 403, as a delivery report does. Whatever the sender, the
answer says only that the message was received: whether a debtor has that number is never disclosed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Depends
from pydantic import Field

from huikuan.channels.inbound import Inbound
from huikuan.services import inbound as svc
from huikuan.storage.uow import UnitOfWork
from huikuan.web.api.common import Body, UowDep, api_router
from huikuan.web.api.outbox import provider

router = api_router("/inbound", "inbound")


class SmsIn(Body):
    sender: str = Field(alias="from", max_length=64, examples=["+8613800138000"])
    to: str = Field(default="", max_length=64, examples=["10690000"])
    text: str = Field(max_length=2000, examples=["TD"])
    received_at: datetime | None = Field(default=None, description="when the provider received it; now")
    id: str | None = Field(default=None, max_length=200, description="the provider's id of the message")
    provider: str = Field(default="http", max_length=20)


class EmailIn(Body):
    sender: str = Field(alias="from", max_length=500, examples=["li.lei@example.com"])
    to: str = Field(default="", max_length=500)
    subject: str = Field(default="", max_length=300)
    text: str = Field(default="", max_length=20000)
    received_at: datetime | None = None
    in_reply_to: str | None = Field(default=None, max_length=500)
    message_id: str | None = Field(default=None, max_length=200, description="the e-mail's Message-ID")
    provider: str = Field(default="email", max_length=20)


class BounceIn(Body):
    recipient: str = Field(max_length=500, description="the address (or number) that could not be reached")
    channel: str = Field(default="email", examples=["email", "sms"])
    kind: str = Field(default="hard", description="hard (the address does not exist) or soft (try again)")
    status: str | None = Field(default=None, max_length=20, description="the DSN status, e.g. 5.1.1")
    diagnostic: str | None = Field(default=None, max_length=500)
    provider: str = Field(default="email", max_length=20)


@router.post("/sms", dependencies=[Depends(provider)])
def inbound_sms(body: SmsIn, uow: UowDep) -> dict[str, Any]:
    """A person's SMS to our number: an opt-out keyword opts the number out of SMS; other text reaches
    the collector."""
    return _receive(uow, "sms", body, body.id)


@router.post("/email", dependencies=[Depends(provider)])
def inbound_email(body: EmailIn, uow: UowDep) -> dict[str, Any]:
    """A reply by e-mail (the mail provider's inbound webhook, as JSON)."""
    return _receive(uow, "email", body, body.message_id, subject=body.subject, in_reply_to=body.in_reply_to)


@router.post("/email-bounce", dependencies=[Depends(provider)])
def email_bounce(body: BounceIn, uow: UowDep) -> dict[str, Any]:
    """A bounce: a hard one (or a DSN status 5.x.x) marks every point with that address as not working;
    a soft one (4.x.x) is only acknowledged, as the outbox already retries."""
    permanent = body.kind == "hard" if not body.status else body.status.strip().startswith("5")
    if not permanent:
        return {"received": True, "marked": 0}
    done = svc.mark_bounce(
        uow,
        body.channel,
        body.recipient,
        reason="bounced" if body.channel == "email" else "invalid",
        now=datetime.now(UTC),
        provider=body.provider,
        detail=" ".join(x for x in (body.status, body.diagnostic) if x),
    )
    return {"received": True, "marked": len(done.point_ids)}


def _receive(
    uow: UnitOfWork,
    channel: str,
    body: SmsIn | EmailIn,
    provider_ref: str | None,
    *,
    subject: str = "",
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    """Hands what a person sent us to services/inbound.py, received now; the answer says only that."""
    now = datetime.now(UTC)
    message = Inbound(
        channel=channel,
        sender=body.sender,
        to=body.to,
        text=body.text,
        received_at=_utc(body.received_at, now),
        provider=body.provider,
        provider_ref=provider_ref,
        subject=subject,
        in_reply_to=in_reply_to,
    )
    return _answer(svc.receive(uow, message, now=now))


def _utc(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _answer(result: svc.ReceiveResult) -> dict[str, Any]:
    """Received, and nothing more: the same answer for a known and an unknown sender."""
    return {"received": True, "id": result.inbound_id}
