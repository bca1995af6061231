"""Who reads the creditors' daily activity files (services/activity_files.py): a creditor's viewer its own
creditor's, an administrator every creditor's, no one else; another creditor's file is not found. Every
download is audited (`document.downloaded`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotFound
from huikuan.services.access import Viewer
from huikuan.services.activity_files import KIND
from huikuan.services.documents import store_named
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork


def require_activity(viewer: Viewer) -> None:
    if viewer.role is Role.ADMIN or (viewer.role is Role.CREDITOR_VIEWER and viewer.creditor_id is not None):
        return
    raise Forbidden("Only an administrator or the creditor's viewer may see the activity files")


def activity_file_list(uow: UnitOfWork, viewer: Viewer, limit: int = 400) -> list[dict[str, Any]]:
    """The activity files the viewer may read, newest first: its creditor's (a viewer), or all (an admin)."""
    require_activity(viewer)
    d, c = t.documents.c, t.creditors.c
    query = (
        select(
            d.id,
            d.filename,
            d.size,
            d.created_at,
            c.code.label("creditor_code"),
            c.name.label("creditor_name"),
        )
        .join(t.creditors, c.id == d.entity_id)
        .where(d.entity == "creditor", d.kind == KIND)
    )
    if viewer.role is Role.CREDITOR_VIEWER:
        query = query.where(d.entity_id == viewer.creditor_id)
    rows = uow.session.execute(query.order_by(d.filename.desc(), d.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def read_activity_file(uow: UnitOfWork, viewer: Viewer, document_id: int) -> tuple[dict[str, Any], bytes]:
    """One activity file the viewer may read, and its bytes; another creditor's is not found. Audited."""
    require_activity(viewer)
    d = t.documents.c
    row = uow.session.execute(
        select(t.documents).where(d.id == document_id, d.entity == "creditor", d.kind == KIND)
    ).one_or_none()
    if row is None or (viewer.role is Role.CREDITOR_VIEWER and row.entity_id != viewer.creditor_id):
        raise NotFound("There is no activity file {id}", id=document_id)
    data = store_named(row.store).get(row.stored_key)
    uow.begin_write()
    record(
        uow.session,
        at=datetime.now(UTC),
        user_id=viewer.user_id,
        action="document.downloaded",
        entity="creditor",
        entity_id=row.entity_id,
        detail={"document_id": document_id, "kind": KIND},
    )
    uow.commit()
    return dict(row._mapping), data


__all__ = ["activity_file_list", "read_activity_file", "require_activity"]
