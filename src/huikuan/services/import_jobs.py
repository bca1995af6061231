"""Imports from the browser: a placement, payment or recall file uploaded, kept, then imported by the
same pipeline as `huikuan import` (services/imports.py), in the background.

`start_import` checks who may import for which creditor (an administrator: any; a creditor's viewer: its
own, another creditor is not found), the file's size (HUIKUAN_IMPORT_MAX_BYTES) and type (CSV or text in
UTF-8, GBK/GB18030 or UTF-16 with its BOM, or an xlsx workbook: the bytes must agree with the name),
keeps the file in the document store and writes the batch's row, queued. `launch` then runs it in a
thread of the process: the batch's row holds its status (queued, running, done, refused, failed), its
stage and its rows, so that any page of any process sees where it stands. The import itself is one
transaction, all or nothing, as on the command line: on PostgreSQL the stages (parse, match, write) and
the rows read show while it runs; on SQLite, which has one writer at a time, the batch shows running
until it is done. The report (errors by row, skipped rows, counts) is kept on the row, and in lenient
mode the rejected rows as a CSV document beside the file.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from huikuan.config import get_settings
from huikuan.errors import HuikuanError, ImportRejected, InvalidInput
from huikuan.files import write_private
from huikuan.intake.errors import PlacementFileError
from huikuan.services import imports
from huikuan.services.access import Viewer
from huikuan.services.documents import Store, store_for, store_named
from huikuan.services.import_history import importable_creditor
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.engine import is_sqlite
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

KINDS = ("accounts", "payments", "recalls")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {".csv": "text/csv", ".txt": "text/plain", ".tsv": "text/tab-separated-values", ".xlsx": XLSX_TYPE}
# A queued batch no thread took after this long is run by the jobs (its process ended first); a batch
# running longer than STALE_RUNNING was interrupted (its process died): it is marked failed.
ORPHANED_AFTER = timedelta(minutes=2)
STALE_RUNNING = timedelta(hours=6)
KEPT_ROWS = 1_000  # errors and skipped rows kept on the batch's report (the rejects file has them all)
_NOT_TEXT = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1", b"%PDF", b"\x89PNG", b"\xff\xd8\xff")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_RUNNERS = {
    "accounts": imports.import_accounts,
    "payments": imports.import_payments,
    "recalls": imports.import_recalls,
}


@dataclass(frozen=True)
class StartImport:
    """An upload to import: for which creditor (its code), what kind of file, strict or lenient."""

    creditor: str
    kind: str
    strict: bool
    filename: str
    data: bytes


def start_import(uow: UnitOfWork, viewer: Viewer, cmd: StartImport, *, store: Store | None = None) -> int:
    """Keeps the file and queues its batch (committed); the batch's id. `launch` runs it."""
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
    document = _keep(uow, chosen, batch_id, name, content_type, cmd.data, viewer.user_id, now)
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
    name = _clean_name(filename)
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


def _clean_name(filename: str) -> str:
    """The file's own name without any folder, control characters or quotes, at most 200 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip()
    return kept[-200:] if kept.strip(".") else "import.csv"


def _keep(
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
    key = f"imports/{when:%Y/%m}/{secrets.token_hex(16)}"
    store.put(key, data)
    try:
        return _document_row(uow, store, key, batch_id, name, content_type, data, user_id, when)
    except BaseException:
        with suppress(HuikuanError):
            store.delete(key)  # no row names the file: it is not left behind
        raise


def _document_row(
    uow: UnitOfWork,
    store: Store,
    key: str,
    batch_id: int,
    name: str,
    content_type: str,
    data: bytes,
    user_id: int | None,
    when: datetime,
) -> int:
    return int(
        uow.session.execute(
            insert(t.documents)
            .values(
                kind="import",
                filename=name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                store=store.name,
                stored_key=key,
                entity="import_batch",
                entity_id=batch_id,
                case_id=None,
                created_at=when,
                created_by=user_id,
            )
            .returning(t.documents.c.id)
        ).scalar_one()
    )


# --- running a batch ------------------------------------------------------------------------------

_threads: dict[int, threading.Thread] = {}
_threads_lock = threading.Lock()


def launch(engine: Engine, batch_id: int) -> threading.Thread:
    """Runs the queued batch in a background thread of this process (kept until it ends)."""
    thread = threading.Thread(
        target=_run_and_forget, args=(engine, batch_id), name=f"huikuan-import-{batch_id}", daemon=True
    )
    with _threads_lock:
        _threads[batch_id] = thread
    thread.start()
    return thread


def wait_for(batch_id: int, timeout: float | None = None) -> None:
    """Waits for this process's thread of the batch to end (tests, and a clean shutdown)."""
    with _threads_lock:
        thread = _threads.get(batch_id)
    if thread is not None:
        thread.join(timeout)


def _run_and_forget(engine: Engine, batch_id: int) -> None:
    try:
        run_batch(engine, batch_id)
    except Exception:  # logged: the batch's row says failed (run_batch), the thread ends quietly
        log.exception("import batch %s failed", batch_id)
    finally:
        with _threads_lock:
            _threads.pop(batch_id, None)


def _set(engine: Engine, batch_id: int, **values: Any) -> int:
    """Updates the batch's row in a transaction of its own; the rows changed."""
    b = t.import_batches.c
    with engine.begin() as conn:
        done = conn.execute(update(t.import_batches).where(b.id == batch_id).values(**values))
    return int(done.rowcount)


def run_batch(engine: Engine, batch_id: int) -> str:
    """Imports a queued batch (taken by one process only: queued -> running) and records how it ended;
    its final status, or "taken" when another process has it."""
    b = t.import_batches.c
    with engine.begin() as conn:
        taken = conn.execute(
            update(t.import_batches)
            .where(b.id == batch_id, b.status == "queued")
            .values(status="running", stage="parse")
        ).rowcount
    if taken != 1:
        return "taken"
    try:
        return _import(engine, batch_id)
    except Exception as exc:
        _set(engine, batch_id, **_failed(exc))
        if not isinstance(exc, HuikuanError):
            raise
        return "failed"


def _failed(exc: Exception) -> dict[str, Any]:
    """The row of a batch that failed: a fixed message, in the report as msgid and values to translate."""
    said: dict[str, Any]
    if isinstance(exc, PlacementFileError):
        said = {"code": exc.code, "message": str(exc)}
    elif isinstance(exc, HuikuanError):
        said = {"msgid": exc.msgid, "values": {k: str(v) for k, v in exc.values.items()}}
    else:
        said = {"code": "internal"}
    return {
        "status": "failed",
        "stage": None,
        "finished_at": datetime.now(UTC),
        "error": str(exc) if isinstance(exc, HuikuanError) else type(exc).__name__,
        "report": {"failure": said},
    }


def _import(engine: Engine, batch_id: int) -> str:
    with UnitOfWork(engine) as uow:
        batch = uow.session.execute(t.import_batches.select().where(t.import_batches.c.id == batch_id)).one()
        doc = uow.session.execute(
            t.documents.select().where(t.documents.c.id == batch.file_document_id)
        ).one()
        code = (
            uow.session.execute(t.creditors.select().where(t.creditors.c.id == batch.creditor_id)).one().code
        )
    data = store_named(doc.store).get(doc.stored_key)
    with tempfile.TemporaryDirectory(prefix="huikuan-import-") as work:  # 0700: the owner's only
        folder = Path(work) / "upload"
        folder.mkdir(mode=0o700)
        path = folder / _clean_name(batch.filename)  # its own name, which the report's messages say
        write_private(path, data)
        rejects = Path(work) / "rejects.csv"
        progress = _progress(engine, batch_id)
        try:
            with UnitOfWork(engine, immediate=True) as uow:
                report = _RUNNERS[batch.kind](
                    uow,
                    path,
                    code,
                    strict=batch.mode != "lenient",
                    rejects=rejects,
                    progress=progress,
                    batch_id=batch_id,
                )
        except ImportRejected as exc:
            refused = exc.report if isinstance(exc.report, imports.ImportReport) else None
            _ended(engine, batch, "refused", refused, None)
            return "refused"
        kept = rejects.read_bytes() if report.rejects_file else None
    _ended(engine, batch, "done", report, kept)
    return "done"


def _progress(engine: Engine, batch_id: int) -> Callable[..., None]:
    """The pipeline's stages written to the batch's row as they come (PostgreSQL: a connection of their
    own beside the import's transaction; SQLite's one writer is the import, so nothing is written)."""

    def say(stage: str, rows: int | None = None) -> None:
        if is_sqlite(engine):
            return
        values: dict[str, Any] = {"stage": stage}
        if rows is not None:
            values["rows_total"] = rows
        _set(engine, batch_id, **values)

    return say


def _ended(
    engine: Engine, batch: Any, status: str, report: imports.ImportReport | None, rejects: bytes | None
) -> None:
    """The batch's final row: its status, rows, report (errors and skips kept up to KEPT_ROWS) and, in
    lenient mode with bad rows, its rejects file."""
    data = report.to_dict() if report is not None else {}
    data["file"] = batch.filename
    data["errors_total"] = len(data.get("errors", []))
    data["skipped_total"] = len(data.get("skipped_rows", []))
    data["errors"] = data.get("errors", [])[:KEPT_ROWS]
    data["skipped_rows"] = data.get("skipped_rows", [])[:KEPT_ROWS]
    rows = int(data.get("rows_read", 0))
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status, "stage": None, "finished_at": now, "rows_total": rows}
    values["rows_done"] = rows if status == "done" else 0
    with UnitOfWork(engine, immediate=True) as uow:
        if rejects is not None:
            name = f"{Path(batch.filename).stem}.rejects.csv"
            data["rejects_file"] = name
            values["rejects_document_id"] = _keep(
                uow, store_for(), batch.id, name, "text/csv", rejects, batch.user_id, now
            )
        else:
            data["rejects_file"] = None
        values["report"] = data
        uow.session.execute(
            update(t.import_batches).where(t.import_batches.c.id == batch.id).values(**values)
        )
        audit.record(
            uow.session,
            at=now,
            user_id=batch.user_id,
            action=f"import.{status}",
            entity="creditor",
            entity_id=batch.creditor_id,
            detail={"batch_id": batch.id, "rows": rows, "rejected": int(data.get("rejected", 0))},
        )
        uow.commit()


def run_orphaned(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The periodic job "imports" (services/jobs.py): runs the batches queued and never taken (the process
    that kept them ended before its thread ran them), and marks failed those left running by a process
    that died. Each batch is taken by one process only (run_batch)."""
    engine = uow.engine
    b = t.import_batches.c
    with engine.connect() as conn:
        queued = (
            conn.execute(
                select(b.id).where(b.status == "queued", b.started_at < now - ORPHANED_AFTER).order_by(b.id)
            )
            .scalars()
            .all()
        )
    ran = sum(run_batch(engine, int(batch_id)) != "taken" for batch_id in queued)
    with engine.begin() as conn:
        interrupted = conn.execute(
            update(t.import_batches)
            .where(b.status == "running", b.started_at < now - STALE_RUNNING)
            .values(
                status="failed",
                stage=None,
                finished_at=now,
                error="interrupted",
                report={
                    "failure": {"msgid": "The import was interrupted; nothing was written", "values": {}}
                },
            )
        ).rowcount
    return {"ran": ran, "interrupted": int(interrupted or 0)}
