"""Who may play a call's recording, the bytes played, and what the case timeline shows of recordings.

A recording is played by:
- an administrator, and a supervisor, on the cases it sees (services/access.py `case_scope`: the
  creditors it serves), for quality review and complaints;
- the collector whose seat made the call (`calls.user_id`), while the case is still in its sight.
Never by another collector, even of the same team, nor by a creditor's viewer (the recording is the
agency's record of its own conduct, not part of the creditor's read-only portfolio). To anyone else a
recording is not found, exactly as a call that does not exist (its existence is not disclosed), and so is a
recording not kept yet or already deleted.

Every playback is audited (`call.recording_played`: the call, its case, the user, and the byte range when
the player asked for one): each request that returns audio is an event, so a recording is never heard
unaudited, in one piece or in ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from huikuan.domain.enums import Role
from huikuan.errors import NotFound
from huikuan.services.access import Viewer, case_scope
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.document_store import Store, store_named
from huikuan.storage.uow import UnitOfWork

KEPT = "kept"
DELETED = "deleted"


@dataclass(frozen=True)
class Recording:
    call_id: int
    case_id: int
    content_type: str
    data: bytes


@dataclass(frozen=True)
class TimelineRecording:
    """What an interaction's entry on the timeline shows of its call's recording."""

    call_id: int
    state: str  # KEPT (the viewer may play it) or DELETED (kept no longer)
    deleted_at: datetime | None = None


def may_play(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on `calls` (joined to its case) for the recordings the viewer may play."""
    if viewer.role is Role.CREDITOR_VIEWER:
        return false()
    mine = t.calls.c.user_id == viewer.user_id
    return (true() if viewer.supervises else mine) & case_scope(viewer)


def read_recording(
    uow: UnitOfWork,
    viewer: Viewer,
    call_id: int,
    *,
    byte_range: str | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> Recording:
    """The call's kept recording if the viewer may play it (else NotFound), read from the store its
    documents row names; the playback is audited and committed."""
    c, d = t.calls.c, t.documents.c
    row = uow.session.execute(
        select(c.id, c.case_id, d.store, d.stored_key, d.content_type)
        .join(t.cases, t.cases.c.id == c.case_id)
        .join(t.documents, d.stored_key == c.recording_key)
        .where(c.id == call_id, c.recording_deleted_at.is_(None), may_play(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound("There is no recording of call {call_id} that you may play", call_id=call_id)
    data = (store or store_named(row.store)).get(row.stored_key)
    uow.begin_write()
    record(
        uow.session,
        at=(now or datetime.now(UTC)).astimezone(UTC),
        user_id=viewer.user_id,
        action="call.recording_played",
        entity="call",
        entity_id=call_id,
        detail={"case_id": int(row.case_id), "range": byte_range},
    )
    uow.commit()
    return Recording(call_id, int(row.case_id), str(row.content_type), data)


def timeline_recordings(uow: UnitOfWork, viewer: Viewer, case_id: int) -> dict[int, TimelineRecording]:
    """By interaction id, the case's call recordings the timeline shows this viewer: those it may play,
    and those deleted (to whoever may play the case's recordings, a creditor's viewer never)."""
    c = t.calls.c
    rows = uow.session.execute(
        select(c.id, c.interaction_id, c.user_id, c.recording_key, c.recording_deleted_at)
        .join(t.cases, t.cases.c.id == c.case_id)
        .where(c.case_id == case_id, c.interaction_id.is_not(None), may_play(viewer))
        .where(c.recording_key.is_not(None) | c.recording_deleted_at.is_not(None))
        .order_by(c.id)
    ).all()
    out: dict[int, TimelineRecording] = {}
    for r in rows:
        if r.recording_deleted_at is not None:
            out[int(r.interaction_id)] = TimelineRecording(int(r.id), DELETED, r.recording_deleted_at)
        else:
            out[int(r.interaction_id)] = TimelineRecording(int(r.id), KEPT)
    return out


def playback_audit(uow: UnitOfWork, call_id: int) -> list[dict[str, Any]]:
    """The playbacks of a call, oldest first: who and when (for the tests and the audit page)."""
    e = t.audit_events.c
    return [
        dict(r._mapping)
        for r in uow.session.execute(
            select(e.user_id, e.at, e.detail)
            .where(e.action == "call.recording_played", e.entity == "call", e.entity_id == call_id)
            .order_by(e.id)
        )
    ]


__all__ = [
    "DELETED",
    "KEPT",
    "Recording",
    "TimelineRecording",
    "may_play",
    "playback_audit",
    "read_recording",
    "timeline_recordings",
]
