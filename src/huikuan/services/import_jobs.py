"""Imports from the browser: a placement, payment or recall file uploaded, kept, then imported by the
same pipeline as `huikuan import` (services/imports.py), in the background.

`start_import` checks who may import for which creditor (an administrator: any; a creditor's viewer: its
own, another creditor is not found), the file's size (HUIKUAN_IMPORT_MAX_BYTES) and type (CSV or text in
UTF-8, GBK/GB18030 or UTF-16 with its BOM, or an xlsx workbook: the bytes must agree with the name),
keeps the file in the document store and writes the batch's row, queued. `launch`
(services/import_runs.py) then runs it in a thread of the process: the batch's row holds its status
(queued, running, done, refused, failed), its stage and its rows, so that any page of any process sees
where it stands. The import itself is one transaction, all or nothing, as on the command line: on
PostgreSQL the stages (parse, match, write) and the rows read show while it runs; on SQLite, which has
one writer at a time, the batch shows running until it is done. The report (errors by row, skipped
rows, counts) is kept on the row, and in lenient mode the rejected rows as a CSV document beside the
file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, update

from huikuan.config import get_settings
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer
from huikuan.services.creditor_files import NewDocument, write_document
from huikuan.services.import_history import importable_creditor
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.document_store import Store, store_for
from huikuan.storage.uow import UnitOfWork

KINDS = ("accounts", "payments", "recalls")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {".csv": "text/csv", ".txt": "text/plain", ".tsv": "text/tab-separated-values", ".xlsx": XLSX_TYPE}
_NOT_TEXT = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1", b"%PDF", b"\x89PNG", b"\xff\xd8\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class StartImport:
    """An upload to import: for which creditor (its code), what kind of file, strict or lenient."""

    creditor: str
    kind: str
    strict: bool
    filename: str
    data: bytes


def start_import(uow: UnitOfWork, viewer: Viewer, cmd: StartImport, *, store: Store | None = None) -> int:
    """Keeps the file and queues its batch (committed); the batch's id. `import_runs.launch` runs it."""
    creditor = importable_creditor(uow, viewer, cmd.creditor)
    if cmd.kind not in KINDS:
        raise InvalidInput(
            "{field}: {value} is not one of {allowed}", field="kind", value=cmd.kind, allowed=", ".join(KINDS)
        )
    name, content_type = checked_file(cmd.filename, cmd.data)
    now = datetime.now(UTC)
    chosen = store or store_for()
    batch_id = int(
        uow.session.execute(
            insert(t.import_batches)
            .values(
                creditor_id=creditor.id,
                kind=cmd.kind,
                filename=name,
                sha256=hashlib.sha256(cmd.data).hexdigest(),
                started_at=now,
                report={},
                user_id=viewer.user_id,
                mode="strict" if cmd.strict else "lenient",
                status="queued",
            )
            .returning(t.import_batches.c.id)
        ).scalar_one()
    )
    document = keep_file(uow, chosen, batch_id, name, content_type, cmd.data, viewer.user_id, now)
    b = t.import_batches.c
    uow.session.execute(update(t.import_batches).where(b.id == batch_id).values(file_document_id=document))
    audit.record(
        uow.session,
        at=now,
        user_id=viewer.user_id,
        action="import.started",
        entity="creditor",
        entity_id=creditor.id,
        detail={"batch_id": batch_id, "kind": cmd.kind, "mode": "strict" if cmd.strict else "lenient"},
    )
    uow.commit()
    return batch_id


def checked_file(filename: str, data: bytes) -> tuple[str, str]:
    """The file's clean name and content type, once its size, name and bytes agree with what may be
    imported; else InvalidInput."""
    most = get_settings().import_max_bytes
    if not data:
        raise InvalidInput("file: it is empty")
    if len(data) > most:
        raise InvalidInput("file: larger than {most} bytes", most=most)
    name = clean_name(filename)
    suffix = Path(name).suffix.lower()
    content_type = TYPES.get(suffix)
    if content_type is None:
        raise InvalidInput("file: only CSV, TXT, TSV or XLSX files may be imported")
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise InvalidInput("file: its contents are not an xlsx workbook")
    elif data.startswith(_NOT_TEXT) or (b"\x00" in data[:65536] and not data.startswith(_UTF16_BOMS)):
        raise InvalidInput("file: its contents are not text (CSV)")
    return name, content_type


def clean_name(filename: str) -> str:
    """The file's own name without any folder, control characters or quotes, at most 200 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip()
    return kept[-200:] if kept.strip(".") else "import.csv"


def keep_file(
    uow: UnitOfWork,
    store: Store,
    batch_id: int,
    name: str,
    content_type: str,
    data: bytes,
    user_id: int | None,
    when: datetime,
) -> int:
    """A file of the batch kept in the store, with its documents row (no case: the batch is its owner)."""
    new = NewDocument("import", name, content_type, data, "import_batch", batch_id, when, user_id)
    return write_document(uow, store, new, prefix="imports/")
