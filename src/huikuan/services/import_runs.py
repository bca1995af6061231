"""Running an uploaded import (services/import_jobs.py keeps the file and queues the batch): `launch`
starts a thread of this process that takes the batch (queued -> running, one process only), imports
the kept file with the command line's pipeline (services/imports.py) in one transaction, and writes how
it ended on the batch's row: done, refused (strict mode, bad rows) or failed, with its report and, in
lenient mode, its rejected rows as a document. The periodic job "imports" (`run_orphaned`) runs what
no thread took and fails what a dead process left running.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from huikuan.errors import HuikuanError, ImportRejected
from huikuan.files import write_private
from huikuan.intake.errors import PlacementFileError
from huikuan.services import import_progress, imports
from huikuan.services.import_jobs import clean_name, keep_file
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.document_store import store_for, store_named
from huikuan.storage.engine import is_sqlite
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# A queued batch no thread took after this long is run by the jobs (its process ended first); a batch
# running longer than STALE_RUNNING was interrupted (its process died): it is marked failed.
ORPHANED_AFTER = timedelta(minutes=2)
STALE_RUNNING = timedelta(hours=6)
KEPT_ROWS = 1_000  # errors and skipped rows kept on the batch's report (the rejects file has them all)
_RUNNERS = {
    "accounts": imports.import_accounts,
    "payments": imports.import_payments,
    "recalls": imports.import_recalls,
}

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
    finally:
        import_progress.forget(batch_id)


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
        path = folder / clean_name(batch.filename)  # its own name, which the report's messages say
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
    """The pipeline's steps as they come (services/import_progress.py): kept for this process's pages,
    and written to the batch's row on PostgreSQL (a connection of their own beside the import's
    transaction; SQLite's one writer is the import, so nothing is written there)."""

    def say(stage: str, rows: int | None = None) -> None:
        import_progress.note(batch_id, stage)
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
            values["rejects_document_id"] = keep_file(
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
