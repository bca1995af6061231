"""A creditor's files in the document store, whatever their kind (the daily activity files of
services/activity_files.py, the monthly reports of services/monthly_report.py): written replacing the file of
the same name; listed and read by a creditor's viewer (its own creditor's) and an administrator (every
creditor's), no one else; another creditor's file is not found, and every download is audited
(`document.downloaded`). `write_document` (the bytes and their documents row) serves the imports' files
too."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from huikuan.domain.enums import Role
from huikuan.errors import HuikuanError
from huikuan.services.access import Viewer
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.document_store import Store, store_for, store_named
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class FileKind:
    kind: str  # documents.kind
    content_type: str
    refused: Callable[[], HuikuanError]  # what someone who may not read this kind is told
    missing: Callable[[int], HuikuanError]  # what is said of a document id not found (or not theirs)


@dataclass(frozen=True)
class NewDocument:
    kind: str
    filename: str
    content_type: str
    data: bytes
    entity: str
    entity_id: int
    at: datetime
    by: int | None = None  # the user who made it; None: a job


def write_document(uow: UnitOfWork, store: Store, new: NewDocument, prefix: str = "") -> int:
    """Puts the bytes into the store (under `prefix`) and writes their documents row (no case) in the
    caller's transaction; the row's id. If the row cannot be written, the bytes are removed again."""
    key = f"{prefix}{new.at:%Y/%m}/{secrets.token_hex(16)}"
    store.put(key, new.data)
    try:
        return int(
            uow.session.execute(
                insert(t.documents)
                .values(
                    kind=new.kind,
                    filename=new.filename,
                    content_type=new.content_type,
                    size=len(new.data),
                    sha256=hashlib.sha256(new.data).hexdigest(),
                    store=store.name,
                    stored_key=key,
                    entity=new.entity,
                    entity_id=new.entity_id,
                    case_id=None,
                    created_at=new.at,
                    created_by=new.by,
                )
                .returning(t.documents.c.id)
            ).scalar_one()
        )
    except BaseException:
        with suppress(HuikuanError):
            store.delete(key)  # no row names the file: it is not left behind
        raise


def replace_file(
    uow: UnitOfWork, files: FileKind, creditor_id: int, name: str, data: bytes, at: datetime
) -> int:
    """Writes the creditor's file of that name into the document store, replacing an earlier one of the same
    name; commits. The new document's id."""
    d = t.documents.c
    uow.begin_write()
    stale = uow.session.execute(
        select(d.id, d.store, d.stored_key).where(
            d.entity == "creditor", d.entity_id == creditor_id, d.kind == files.kind, d.filename == name
        )
    ).all()
    for row in stale:
        uow.session.execute(delete(t.documents).where(d.id == row.id))
    new = NewDocument(files.kind, name, files.content_type, data, "creditor", creditor_id, at)
    doc_id = write_document(uow, store_for(), new)
    uow.commit()
    for row in stale:
        store_named(row.store).delete(row.stored_key)
    return doc_id


def require_reader(viewer: Viewer, files: FileKind) -> None:
    if viewer.role is Role.ADMIN or (viewer.role is Role.CREDITOR_VIEWER and viewer.creditor_id is not None):
        return
    raise files.refused()


def file_list(
    uow: UnitOfWork, viewer: Viewer, files: FileKind, creditor_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """The files of that kind the viewer may read, newest first, with their creditor's code and name: its
    creditor's (a viewer), or the given creditor's (an administrator; None: every creditor's)."""
    require_reader(viewer, files)
    d, c = t.documents.c, t.creditors.c
    if viewer.role is Role.CREDITOR_VIEWER:
        creditor_id = viewer.creditor_id
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
        .where(d.entity == "creditor", d.kind == files.kind)
    )
    if creditor_id is not None:
        query = query.where(d.entity_id == creditor_id)
    rows = uow.session.execute(query.order_by(d.filename.desc(), d.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]


def read_file(
    uow: UnitOfWork, viewer: Viewer, files: FileKind, document_id: int
) -> tuple[dict[str, Any], bytes]:
    """One file of that kind the viewer may read, and its bytes; another creditor's is not found. Audited."""
    require_reader(viewer, files)
    d = t.documents.c
    row = uow.session.execute(
        select(t.documents).where(d.id == document_id, d.entity == "creditor", d.kind == files.kind)
    ).one_or_none()
    if row is None or (viewer.role is Role.CREDITOR_VIEWER and row.entity_id != viewer.creditor_id):
        raise files.missing(document_id)
    data = store_named(row.store).get(row.stored_key)
    uow.begin_write()
    record(
        uow.session,
        at=datetime.now(UTC),
        user_id=viewer.user_id,
        action="document.downloaded",
        entity="creditor",
        entity_id=row.entity_id,
        detail={"document_id": document_id, "kind": files.kind},
    )
    uow.commit()
    return dict(row._mapping), data


__all__ = [
    "FileKind",
    "NewDocument",
    "file_list",
    "write_document",
    "read_file",
    "replace_file",
    "require_reader",
]
