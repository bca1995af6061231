"""Who reads the creditors' monthly reports (services/monthly_report.py): a creditor's viewer its own
creditor's, an administrator every creditor's, no one else; another creditor's report is not found.
Every download is audited (`document.downloaded`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotFound
from huikuan.services.access import Viewer
from huikuan.services.documents import store_named
from huikuan.services.monthly_report import KIND
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork


def require_monthly(viewer: Viewer) -> None:
    if viewer.role is Role.ADMIN or (viewer.role is Role.CREDITOR_VIEWER and viewer.creditor_id is not None):
        return
    raise Forbidden("Only an administrator or the creditor's viewer may see the monthly reports")


def monthly_report_list(
    uow: UnitOfWork, viewer: Viewer, creditor_id: int | None = None, limit: int = 24
) -> list[dict[str, Any]]:
    """The monthly reports the viewer may read, newest first: its creditor's (a viewer), or the given
    creditor's (an administrator)."""
    require_monthly(viewer)
    d = t.documents.c
    if viewer.role is Role.CREDITOR_VIEWER:
        creditor_id = viewer.creditor_id
    query = select(d.id, d.filename, d.size, d.created_at).where(d.entity == "creditor", d.kind == KIND)
    if creditor_id is not None:
        query = query.where(d.entity_id == creditor_id)
    rows = uow.session.execute(query.order_by(d.filename.desc(), d.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def read_monthly_report(uow: UnitOfWork, viewer: Viewer, document_id: int) -> tuple[dict[str, Any], bytes]:
    """One monthly report the viewer may read, and its bytes; another creditor's is not found. Audited."""
    require_monthly(viewer)
    d = t.documents.c
    row = uow.session.execute(
        select(t.documents).where(d.id == document_id, d.entity == "creditor", d.kind == KIND)
    ).one_or_none()
    if row is None or (viewer.role is Role.CREDITOR_VIEWER and row.entity_id != viewer.creditor_id):
        raise NotFound("There is no monthly report {id}", id=document_id)
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


__all__ = ["monthly_report_list", "read_monthly_report", "require_monthly"]
