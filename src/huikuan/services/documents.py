"""One document store: the verification a creditor sends, the debtor's evidence, and later the letters,
statements, recordings and import files.

A document is a row of `documents` (what it is, its name and type, size, SHA-256, who added it and when,
what it belongs to: a dispute, a complaint or a case, and which store holds it) and its bytes in a store
under a key Huikuan makes up (never the uploaded name). HUIKUAN_DOCUMENT_STORE chooses the store of new
uploads (storage/document_store.py): "fs", the default, is the file system (HUIKUAN_DOCUMENTS_DIR,
var/documents; folders 0700 and files 0600); "s3" is a bucket of an S3-compatible service (HUIKUAN_S3_*:
AWS S3, MinIO, Aliyun OSS), each object written with server-side encryption (AES256). A file is always
read back from the store its row names, so files kept before the setting changed stay readable. A
missing bucket or a failing service refuses the upload (StoreFailed) before any row is written.

An upload is refused beyond HUIKUAN_DOCUMENT_MAX_BYTES, or when its bytes are not a PDF, PNG, JPEG or
WebP image (the bytes are read: the declared type must agree with them). Only those who may see the case
may download a document, and every download is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from huikuan.config import get_settings
from huikuan.errors import HuikuanError, InvalidInput, NotFound
from huikuan.services.access import Viewer, case_scope, case_to_work
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.document_store import Store, store_for, store_named
from huikuan.storage.uow import UnitOfWork

KINDS = ("verification", "evidence", "letter", "recording", "import", "statement", "payment_proof")
# What a document may belong to; each table has the case_id the access check reads.
ENTITIES = {"dispute": t.disputes, "complaint": t.complaints, "payment": t.payments}
# The types an upload may have, each with how its bytes begin.
ALLOWED_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}


@dataclass(frozen=True)
class Upload:
    """A file as received: what it belongs to, its kind, name, declared type and bytes."""

    entity: str
    entity_id: int
    kind: str
    filename: str
    content_type: str
    data: bytes


def add_document(
    uow: UnitOfWork,
    viewer: Viewer,
    upload: Upload,
    *,
    store: Store | None = None,
    at: datetime | None = None,
    commit: bool = True,
) -> int:
    """Keeps an uploaded file for a dispute, complaint or payment of a case the viewer may work; its id.
    `commit=False` leaves the row in the caller's transaction (a payment's proof is written with it)."""
    case_id = _case_of(uow, viewer, upload.entity, upload.entity_id)
    case_to_work(uow, viewer, case_id)
    return keep_document(uow, upload, case_id, user_id=viewer.user_id, store=store, at=at, commit=commit)


def keep_document(
    uow: UnitOfWork,
    upload: Upload,
    case_id: int,
    *,
    user_id: int | None,
    store: Store | None = None,
    at: datetime | None = None,
    commit: bool = True,
) -> int:
    """add_document once the caller has checked that the upload's owner is of `case_id` (the debtor's
    own page: no user)."""
    content_type = _checked(upload)
    chosen = store or store_for()
    when = (at or datetime.now(UTC)).astimezone(UTC)
    key = f"{when:%Y/%m}/{secrets.token_hex(16)}"
    chosen.put(key, upload.data)
    try:
        new_id = _insert_row(uow, user_id, upload, content_type, chosen, key, case_id, when)
    except BaseException:
        uow.rollback()
        with suppress(HuikuanError):
            chosen.delete(key)  # no row names the file: it is not left behind
        raise
    if commit:
        uow.commit()
    return new_id


def _insert_row(
    uow: UnitOfWork,
    user_id: int | None,
    upload: Upload,
    content_type: str,
    chosen: Store,
    key: str,
    case_id: int,
    when: datetime,
) -> int:
    new_id = int(
        uow.session.execute(
            insert(t.documents)
            .values(
                kind=upload.kind,
                filename=_clean_name(upload.filename),
                content_type=content_type,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                store=chosen.name,
                stored_key=key,
                entity=upload.entity,
                entity_id=upload.entity_id,
                case_id=case_id,
                created_at=when,
                created_by=user_id,
            )
            .returning(t.documents.c.id)
        ).scalar_one()
    )
    audit.record(
        uow.session,
        at=when,
        user_id=user_id,
        action="document.added",
        entity="case",
        entity_id=case_id,
        detail={"document_id": new_id, "kind": upload.kind, upload.entity + "_id": upload.entity_id},
    )
    return new_id


def read_document(
    uow: UnitOfWork, viewer: Viewer, document_id: int, *, store: Store | None = None
) -> tuple[dict[str, Any], bytes]:
    """A document the viewer may see (its case is visible to it) and its bytes, read from the store its
    row names; the download is audited."""
    row = document_row(uow, viewer, document_id)
    data = (store or store_named(row["store"])).get(row["stored_key"])
    audit.record(
        uow.session,
        at=datetime.now(UTC),
        user_id=viewer.user_id,
        action="document.downloaded",
        entity="case",
        entity_id=row["case_id"],
        detail={"document_id": document_id},
    )
    uow.commit()
    return row, data


def document_row(uow: UnitOfWork, viewer: Viewer, document_id: int) -> dict[str, Any]:
    d, c = t.documents.c, t.cases.c
    row = uow.session.execute(
        select(t.documents).join(t.cases, c.id == d.case_id).where(d.id == document_id, case_scope(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound("There is no document {document_id} that you may see", document_id=document_id)
    return dict(row._mapping)


def documents_of(uow: UnitOfWork, entity: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The documents of these disputes or complaints (the caller has checked the case), by owner id."""
    d = t.documents.c
    out: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return out
    rows = uow.session.execute(
        select(d.id, d.entity_id, d.kind, d.filename, d.content_type, d.size, d.sha256, d.created_at)
        .where(d.entity == entity, d.entity_id.in_(ids))
        .order_by(d.id)
    )
    for r in rows:
        out.setdefault(int(r.entity_id), []).append(dict(r._mapping))
    return out


def _case_of(uow: UnitOfWork, viewer: Viewer, entity: str, entity_id: int) -> int:
    table = ENTITIES.get(entity)
    if table is None:
        raise InvalidInput(
            "{field}: {value} is not one of {allowed}",
            field="entity",
            value=entity,
            allowed=", ".join(ENTITIES),
        )
    c = t.cases.c
    found = uow.session.execute(
        select(table.c.case_id)
        .join(t.cases, c.id == table.c.case_id)
        .where(table.c.id == entity_id, case_scope(viewer))
    ).scalar()
    if found is None:
        raise NotFound(
            "There is no {entity} {entity_id} that you may see", entity=entity, entity_id=entity_id
        )
    return int(found)


def _checked(upload: Upload) -> str:
    """The upload's content type, once its kind, size and bytes agree with the allow-list."""
    if upload.kind not in KINDS:
        raise InvalidInput(
            "{field}: {value} is not one of {allowed}",
            field="kind",
            value=upload.kind,
            allowed=", ".join(KINDS),
        )
    most = get_settings().document_max_bytes
    if not upload.data:
        raise InvalidInput("file: it is empty")
    if len(upload.data) > most:
        raise InvalidInput("file: larger than {most} bytes", most=most)
    declared = upload.content_type.split(";")[0].strip().lower()
    starts = ALLOWED_TYPES.get(declared)
    if starts is None:
        raise InvalidInput("file: only PDF, PNG, JPEG or WebP files may be kept")
    if not upload.data.startswith(starts) or (declared == "image/webp" and upload.data[8:12] != b"WEBP"):
        raise InvalidInput("file: its contents are not a {kind} file", kind=declared)
    return declared


def _clean_name(filename: str) -> str:
    """The file's own name without any folder, control characters or quotes, at most 200 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return (kept.strip() or "document")[:200]
