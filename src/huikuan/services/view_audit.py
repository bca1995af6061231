"""Viewing a case is audited: `case.viewed` (who, which case, when) in the audit log.

The case page, its own panels and the API's case read call `note_case_viewed` after their reads. So that
a floor at work does not write on every page load, a user's views of one case are kept at most once per
VIEW_AUDIT_WINDOW: a cheap read finds a recent one and nothing is written; otherwise the event goes in a
short write transaction of its own (`UnitOfWork.begin_write`), so that on SQLite the page's reads never
hold the write lock and a stale read is never upgraded to a write.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from huikuan.services.access import Viewer
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

VIEW_AUDIT_WINDOW = timedelta(minutes=15)  # at most one `case.viewed` per user and case in this time
ACTION = "case.viewed"


def note_case_viewed(uow: UnitOfWork, viewer: Viewer, case_id: int, now: datetime | None = None) -> bool:
    """Audits that the viewer saw the case (one the caller has just read for it), unless the same user's
    view of it is already kept within VIEW_AUDIT_WINDOW; True when an event was written. Commits."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    if _kept_since(uow, viewer.user_id, case_id, instant - VIEW_AUDIT_WINDOW):
        return False
    uow.begin_write()
    if _kept_since(uow, viewer.user_id, case_id, instant - VIEW_AUDIT_WINDOW):
        uow.rollback()  # another request of the same user kept it meanwhile
        return False
    record(uow.session, at=instant, user_id=viewer.user_id, action=ACTION, entity="case", entity_id=case_id)
    uow.commit()
    return True


def _kept_since(uow: UnitOfWork, user_id: int, case_id: int, since: datetime) -> bool:
    e = t.audit_events.c
    found = uow.session.execute(
        select(e.id)
        .where(
            e.user_id == user_id,
            e.entity == "case",
            e.entity_id == case_id,
            e.action == ACTION,
            e.at >= since,
        )
        .limit(1)
    ).first()
    return found is not None


__all__ = ["VIEW_AUDIT_WINDOW", "note_case_viewed"]
