"""Who may import for which creditor, and the history of its imports: the batches with who, when, what
kind, the file's name, the counts and the status, each batch's report and its files.

- an administrator imports for any creditor and sees every creditor's history;
- a supervisor sees every creditor's history, reports and files (it supervises the floor, whose cases it
  sees), but does not import;
- a creditor's viewer imports for its own creditor and sees its own history only: another creditor,
  its batches and their files are not found, as if they did not exist;
- a collector none of it.

The command line's imports are in the history too (without a user). Every download of a kept file (the
upload as it came, the rejected rows) is audited: both hold personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select

from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotFound
from huikuan.services import import_progress
from huikuan.services.access import Viewer
from huikuan.services.paging import Paging, paging
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.document_store import store_named
from huikuan.storage.uow import UnitOfWork

MOST_PER_PAGE = 200
COUNTS = ("rows_read", "created", "updated", "unchanged", "rejected", "skipped")
FILES = ("file", "rejects")


def require_imports(viewer: Viewer) -> None:
    """The history is for administrators, supervisors and creditors' viewers."""
    if not (viewer.supervises or viewer.role is Role.CREDITOR_VIEWER):
        raise Forbidden("Only an administrator, a supervisor or the creditor's viewer may see imports")


def require_importer(viewer: Viewer) -> None:
    """Imports are made by administrators and creditors' viewers (for their own creditor)."""
    if viewer.role not in (Role.ADMIN, Role.CREDITOR_VIEWER):
        raise Forbidden("Only an administrator or the creditor's viewer may import files")


def _no_creditor(code: str) -> NotFound:
    return NotFound("There is no creditor {code} that you may see", code=code)


def importable_creditor(uow: UnitOfWork, viewer: Viewer, code: str) -> Any:
    """The creditor's row (id, code, name ...) if the viewer may import for it: any (an administrator),
    its own (a creditor's viewer)."""
    require_importer(viewer)
    c = t.creditors.c
    creditor = uow.session.execute(select(c.id, c.code, c.name).where(c.code == code.strip())).one_or_none()
    if creditor is None or (viewer.role is Role.CREDITOR_VIEWER and creditor.id != viewer.creditor_id):
        raise _no_creditor(code)
    return creditor


def creditors_for(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """The creditors whose imports the viewer sees (id, code, name), by code."""
    require_imports(viewer)
    c = t.creditors.c
    query = select(c.id, c.code, c.name).order_by(c.code)
    if viewer.role is Role.CREDITOR_VIEWER:
        query = query.where(c.id == viewer.creditor_id)
    return [dict(r._mapping) for r in uow.session.execute(query)]


def _batches(viewer: Viewer) -> Select[Any]:
    b, c, u = t.import_batches.c, t.creditors.c, t.users.c
    query = (
        select(
            t.import_batches,
            c.code.label("creditor_code"),
            c.name.label("creditor_name"),
            u.display_name.label("user_name"),
            u.username.label("username"),
        )
        .join(t.creditors, c.id == b.creditor_id)
        .outerjoin(t.users, u.id == b.user_id)
    )
    if viewer.role is Role.CREDITOR_VIEWER:
        query = query.where(b.creditor_id == viewer.creditor_id)
    return query


def _row(r: Any) -> dict[str, Any]:
    row = dict(r._mapping)
    report = dict(row.get("report") or {})
    row["report"] = report
    row["counts"] = {k: int(report.get(k, 0) or 0) for k in COUNTS}
    row["has_file"] = row["file_document_id"] is not None
    row["has_rejects"] = row["rejects_document_id"] is not None
    row["finished"] = row["status"] in ("done", "refused", "failed")
    if row["status"] == "running":  # this process's thread knows its step before (or without) the row
        row["stage"] = import_progress.live_step(row["id"]) or row["stage"]
    row["step"], row["steps"] = import_progress.step_number(row["kind"], row["stage"])
    row["percent"] = import_progress.percent(row["kind"], row["status"], row["stage"])
    return row


def import_history(
    uow: UnitOfWork, viewer: Viewer, creditor: str | None = None, *, page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], Paging]:
    """The batches the viewer may see, newest first, of one creditor (its code) or of all, with the true
    count; another creditor's code (for a creditor's viewer) is not found."""
    require_imports(viewer)
    query = _batches(viewer)
    if creditor:
        c = t.creditors.c
        found = uow.session.execute(select(c.id).where(c.code == creditor)).scalar()
        if found is None or (viewer.role is Role.CREDITOR_VIEWER and found != viewer.creditor_id):
            raise _no_creditor(creditor)
        query = query.where(t.import_batches.c.creditor_id == found)
    placed = paging(uow, query, page, per_page, most=MOST_PER_PAGE)
    rows = uow.session.execute(
        query.order_by(t.import_batches.c.id.desc()).offset(placed.offset).limit(placed.per_page)
    )
    return [_row(r) for r in rows], placed


def import_batch(uow: UnitOfWork, viewer: Viewer, batch_id: int) -> dict[str, Any]:
    """One batch the viewer may see, with its report; else NotFound."""
    require_imports(viewer)
    found = uow.session.execute(_batches(viewer).where(t.import_batches.c.id == batch_id)).one_or_none()
    if found is None:
        raise NotFound("There is no import {batch_id} that you may see", batch_id=batch_id)
    return _row(found)


def batch_file(uow: UnitOfWork, viewer: Viewer, batch_id: int, which: str) -> tuple[dict[str, Any], bytes]:
    """The batch's uploaded file ("file") or its rejected rows ("rejects"): the document's row and bytes;
    the download is audited."""
    batch = import_batch(uow, viewer, batch_id)
    document_id = batch["file_document_id"] if which == "file" else batch["rejects_document_id"]
    if which not in FILES or document_id is None:
        raise NotFound("Import {batch_id} has no {file} file", batch_id=batch_id, file=which)
    doc = uow.session.execute(t.documents.select().where(t.documents.c.id == document_id)).one()
    data = store_named(doc.store).get(doc.stored_key)
    audit.record(
        uow.session,
        at=datetime.now(UTC),
        user_id=viewer.user_id,
        action="document.downloaded",
        entity="creditor",
        entity_id=batch["creditor_id"],
        detail={"document_id": doc.id, "batch_id": batch_id, "file": which},
    )
    uow.commit()
    return dict(doc._mapping), data
