"""An SMS provider's delivery reports (POST /api/v1/outbox/sms-status), applied to the messages it sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from huikuan.errors import InvalidInput, NotFound
from huikuan.services.inbound import mark_bounce
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

_PROVIDER_STATUSES = {
    "delivered": "delivered",
    "failed": "failed",
    "undelivered": "failed",
    "rejected": "failed",
    "expired": "failed",
    "sent": None,  # accepted by the network: nothing new
    "accepted": None,
    "queued": None,
}


def mark_delivered(
    uow: UnitOfWork, provider_ref: str, status: str, *, error: str | None = None, invalid: bool = False
) -> int:
    """Applies an SMS provider's delivery report to the message it sent; the message id. A failure that
    says the number is bad (`invalid`) also marks every contact point with that number invalid."""
    key = status.strip().lower()
    if key not in _PROVIDER_STATUSES:
        raise InvalidInput(
            "Status: {status} is not one of {known}", status=status, known=", ".join(_PROVIDER_STATUSES)
        )
    m = t.messages.c
    row = uow.session.execute(
        select(m.id, m.status, m.to).where(m.provider_ref == provider_ref, m.channel == "sms")
    ).one_or_none()
    if row is None:
        raise NotFound("No message was sent with the provider reference {ref}", ref=provider_ref)
    new = _PROVIDER_STATUSES[key]
    if new is None or row.status != "sent":
        return int(row.id)  # an acknowledgement, or a report repeated: nothing changes
    values: dict[str, Any] = {"status": new}
    if new == "failed":
        values["error"] = f"the provider reports {key}: {error}" if error else f"the provider reports {key}"
    uow.session.execute(update(t.messages).where(m.id == row.id, m.status == "sent").values(**values))
    uow.commit()
    if new == "failed" and invalid:
        mark_bounce(uow, "sms", row.to, reason="invalid", now=datetime.now(UTC), detail=values["error"])
    return int(row.id)
