"""One document store: the verification a creditor sends, the debtor's evidence, and later the letters,
statements, recordings and import files.

A document is a row of `documents` (what it is, its name and type, size, SHA-256, who added it and when,
and what it belongs to: a dispute, a complaint or a case) and its bytes in a store under a key Huikuan
makes up (never the uploaded name). The store is the file system by default: HUIKUAN_DOCUMENTS_DIR
(var/documents), folders 0700 and files 0600 (huikuan/files.py). An S3-compatible store fits behind the
same `Store` protocol (put/get); it is not built while boto3 is not a dependency of Huikuan, and
HUIKUAN_DOCUMENT_STORE=s3 is refused rather than pretended.

An upload is refused beyond HUIKUAN_DOCUMENT_MAX_BYTES, or when its bytes are not a PDF, PNG, JPEG or
WebP image (the bytes are read: the declared type must agree with them). Only those who may see the case
may download a document, and every download is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import insert, select

from huikuan.config import Settings, get_settings
from huikuan.errors import InvalidInput, NotFound
from huikuan.files import private_dir, write_private
from huikuan.services.access import Viewer, case_scope, case_to_work
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

KINDS = ("verification", "evidence", "letter", "recording", "import", "statement")
ENTITIES = {"dispute": t.disputes, "complaint": t.complaints}
# The types an upload may have, each with how its bytes begin.
ALLOWED_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}


class Store(Protocol):
    """Where documents' bytes live; a key is Huikuan's own (letters, digits and '/')."""

    name: str

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...


class FileStore:
    """The file system: one file per key under `root`, owner-only."""

    name = "fs"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise InvalidInput("document key: outside the store")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        private_dir(path.parent)
        write_private(path, data)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("the document's file is missing from the store")
        return path.read_bytes()


def store_for(settings: Settings | None = None) -> Store:
    settings = settings or get_settings()
    if settings.document_store == "fs":
        return FileStore(settings.documents_dir)
    raise InvalidInput(
        "document store: {name} is not available (only fs; an S3 store needs boto3)",
        name=settings.document_store,
    )


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
    uow: UnitOfWork, viewer: Viewer, upload: Upload, *, store: Store | None = None, at: datetime | None = None
) -> int:
    """Keeps an uploaded file for a dispute or complaint of a case the viewer may work; its id."""
    case_id = _case_of(uow, viewer, upload.entity, upload.entity_id)
    case_to_work(uow, viewer, case_id)
    content_type = _checked(upload)
    chosen = store or store_for()
    when = (at or datetime.now(UTC)).astimezone(UTC)
    key = f"{when:%Y/%m}/{secrets.token_hex(16)}"
    chosen.put(key, upload.data)
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
                created_by=viewer.user_id,
            )
            .returning(t.documents.c.id)
        ).scalar_one()
    )
    audit.record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action="document.added",
        entity="case",
        entity_id=case_id,
        detail={"document_id": new_id, "kind": upload.kind, upload.entity + "_id": upload.entity_id},
    )
    uow.commit()
    return new_id


def read_document(
    uow: UnitOfWork, viewer: Viewer, document_id: int, *, store: Store | None = None
) -> tuple[dict[str, Any], bytes]:
    """A document the viewer may see (its case is visible to it) and its bytes; the download is audited."""
    row = document_row(uow, viewer, document_id)
    data = (store or store_for()).get(row["stored_key"])
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
