"""Writing the audit log: one function for every event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from huikuan.storage import tables as t


def record(
    session: Session,
    *,
    at: datetime,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.execute(
        insert(t.audit_events).values(
            at=at, user_id=user_id, action=action, entity=entity, entity_id=entity_id, detail=detail or {}
        )
    )
