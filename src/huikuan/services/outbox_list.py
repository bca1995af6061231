"""The outbox page: the messages of the cases a viewer may see (recipients masked), a case's latest
messages, and the channels whose queued messages wait for settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.channels import KINDS, MESSAGE_CHANNELS, channel_state, needs
from huikuan.config import Settings, get_settings
from huikuan.domain.enums import MessageStatus
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, case_scope, visible_case
from huikuan.services.letters import may_download_letters
from huikuan.services.masking import mask_contact
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class OutboxRow:
    id: int
    case_id: int
    debtor_name: str
    channel: str
    template: str | None
    to: str  # masked
    subject: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime | None
    sent_at: datetime | None
    next_attempt_at: datetime | None
    provider_ref: str | None
    has_document: bool
    sender: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "debtor": self.debtor_name,
            "channel": self.channel,
            "template": self.template,
            "to": self.to,
            "subject": self.subject,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "created_at": _iso(self.created_at),
            "sent_at": _iso(self.sent_at),
            "next_attempt_at": _iso(self.next_attempt_at),
            "provider_ref": self.provider_ref,
            "document": f"/outbox/{self.id}/document" if self.has_document else None,
            "sent_by": self.sender,
        }


def outbox(
    uow: UnitOfWork, viewer: Viewer, *, status: str | None = None, limit: int = 100
) -> list[OutboxRow]:
    """The messages of the cases the viewer may see, newest first (recipients masked)."""
    if status and status not in {s.value for s in MessageStatus}:
        raise InvalidInput(
            "Status: {status} is not one of {known}",
            status=status,
            known=", ".join(s.value for s in MessageStatus),
        )
    if not 1 <= limit <= 1000:
        raise InvalidInput("Limit: {limit} is not between 1 and 1000", limit=limit)
    query = _rows_query().where(case_scope(viewer))
    if status:
        query = query.where(t.messages.c.status == status)
    return _rows(uow, query.order_by(t.messages.c.id.desc()).limit(limit), may_download_letters(viewer))


def case_messages(uow: UnitOfWork, viewer: Viewer, case_id: int, *, limit: int = 5) -> list[OutboxRow]:
    visible_case(uow, viewer, case_id)
    query = _rows_query().where(t.messages.c.case_id == case_id).order_by(t.messages.c.id.desc()).limit(limit)
    return _rows(uow, query, may_download_letters(viewer))


def _rows_query() -> Any:
    m, c, d, u = t.messages.c, t.cases.c, t.debtors.c, t.users.c
    return select(
        m.id,
        m.case_id,
        d.name.label("debtor_name"),
        m.channel,
        m.template,
        m.to,
        m.subject,
        m.status,
        m.attempts,
        m.error,
        m.created_at,
        m.sent_at,
        m.next_attempt_at,
        m.provider_ref,
        m.document,
        u.display_name.label("sender"),
    ).select_from(
        t.messages.join(t.cases, c.id == m.case_id)
        .join(t.debtors, d.id == c.debtor_id)
        .outerjoin(t.users, u.id == m.user_id)
    )


def _rows(uow: UnitOfWork, query: Any, letters: bool) -> list[OutboxRow]:
    """The rows; a letter's PDF is linked only for a viewer who may download letters (services/letters.py)."""
    return [
        OutboxRow(
            id=r.id,
            case_id=r.case_id,
            debtor_name=r.debtor_name,
            channel=r.channel,
            template=r.template,
            to=mask_contact(KINDS.get(r.channel, r.channel), r.to or ""),
            subject=r.subject or "",
            status=r.status,
            attempts=r.attempts or 0,
            error=r.error,
            created_at=r.created_at,
            sent_at=r.sent_at,
            next_attempt_at=r.next_attempt_at,
            provider_ref=r.provider_ref,
            has_document=letters and bool(r.document),
            sender=r.sender,
        )
        for r in uow.session.execute(query).all()
    ]


def channels_waiting(settings: Settings | None = None) -> dict[str, str]:
    """The channels whose queued messages wait because they cannot send, with the settings each needs:
    the outbox says why a message stays queued."""
    settings = settings or get_settings()
    waiting = [ch for ch in MESSAGE_CHANNELS if channel_state(ch, settings) == "not_configured"]
    return {ch: needs(ch, settings) for ch in waiting}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None
