"""Downloads of a list: at once when it is short, by the `exports` job when it is long.

`export_list` counts what the page's filters select; up to HUIKUAN_EXPORT_ROWS_AT_ONCE rows the file is
written and returned at once, past it an export request is recorded and the caller is told so. The job
takes queued requests one at a time (a conditional UPDATE, so two processes never write the same one),
replays the list as the person who asked (the same service, the same scope), counts its rows as it goes
(the page shows the progress) and keeps the file in the document store (kind "export"). Only the person
who asked may download it; another person's request is not found. Every export, at once or by the job, is
audited by services/export_files.py.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.config import get_settings
from huikuan.errors import HuikuanError, InvalidInput, NotFound
from huikuan.logs import safe_message
from huikuan.services.access import Viewer, get_viewer
from huikuan.services.export_files import CONTENT_TYPES, FORMATS, audit_export, file_bytes
from huikuan.services.export_lists import ListExport, audited_filters, kept_filters, list_export
from huikuan.storage import tables as t
from huikuan.storage.document_store import store_for, store_named
from huikuan.storage.uow import UnitOfWork

KIND = "export"
PROGRESS_EVERY = 1_000  # rows between two writes of a running request's progress


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    data: bytes
    rows: int


@dataclass(frozen=True)
class Exported:
    """What asking for an export gave: the file, or the id of the request the job will write."""

    file: ExportFile | None
    request_id: int | None


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput("format: {value} is not csv or xlsx", value=fmt)
    return fmt


def filename(export: ListExport, fmt: str, at: datetime) -> str:
    return f"{export.name}-{at:%Y%m%d-%H%M}.{fmt}"


def export_list(
    uow: UnitOfWork, viewer: Viewer, name: str, fmt: str, params: Mapping[str, str], locale: str
) -> Exported:
    """The list `name` as the page shows it for `params`, every page: the file at once, or (past the
    threshold) a request for the job."""
    export, fmt = list_export(name), _format(fmt)
    total = export.count(uow, viewer, params)
    if total > get_settings().export_rows_at_once:
        return Exported(None, request_export(uow, viewer, export, fmt, params, locale, total))
    now = datetime.now(UTC)
    data, rows = file_bytes(
        fmt, export.columns, export.rows(uow, viewer, params, locale), locale, export.title
    )
    audit_export(uow, viewer.user_id, export.name, audited_filters(export, params), rows, fmt, now)
    return Exported(ExportFile(filename(export, fmt, now), CONTENT_TYPES[fmt], data, rows), None)


def request_export(
    uow: UnitOfWork,
    viewer: Viewer,
    export: ListExport,
    fmt: str,
    params: Mapping[str, str],
    locale: str,
    total: int,
) -> int:
    uow.begin_write()
    request_id = uow.session.execute(
        insert(t.export_requests)
        .values(
            user_id=viewer.user_id,
            list_name=export.name,
            format=fmt,
            filters=kept_filters(export, params),
            locale=locale,
            status="queued",
            rows_total=total,
            rows_done=0,
            created_at=datetime.now(UTC),
        )
        .returning(t.export_requests.c.id)
    ).scalar_one()
    uow.commit()
    return int(request_id)


def _counted(uow: UnitOfWork, request_id: int, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows, the request's progress written every PROGRESS_EVERY of them."""
    r = t.export_requests.c
    for done, row in enumerate(rows, 1):
        yield row
        if done % PROGRESS_EVERY == 0:
            uow.begin_write()
            uow.session.execute(update(t.export_requests).where(r.id == request_id).values(rows_done=done))
            uow.commit()


def _claim(uow: UnitOfWork) -> Any:
    r = t.export_requests.c
    while True:
        found = uow.session.execute(
            select(t.export_requests).where(r.status == "queued").order_by(r.id).limit(1)
        ).one_or_none()
        if found is None:
            return None
        uow.begin_write()
        done = uow.session.execute(
            update(t.export_requests).where(r.id == found.id, r.status == "queued").values(status="running")
        )
        taken = int(getattr(done, "rowcount", 0) or 0)
        uow.commit()
        if taken == 1:
            return found


def _write(uow: UnitOfWork, job: Any, now: datetime) -> int:
    export = list_export(job.list_name)
    viewer = get_viewer(uow, job.user_id)
    rows = _counted(uow, job.id, export.rows(uow, viewer, job.filters, job.locale))
    data, count = file_bytes(job.format, export.columns, rows, job.locale, export.title)
    store = store_for()
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}"
    store.put(key, data)
    d, r = t.documents.c, t.export_requests.c
    uow.begin_write()
    doc_id = uow.session.execute(
        insert(t.documents)
        .values(
            kind=KIND,
            filename=filename(export, job.format, now),
            content_type=CONTENT_TYPES[job.format],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            store=store.name,
            stored_key=key,
            entity="export",
            entity_id=job.id,
            case_id=None,
            created_at=now,
            created_by=job.user_id,
        )
        .returning(d.id)
    ).scalar_one()
    uow.session.execute(
        update(t.export_requests)
        .where(r.id == job.id)
        .values(status="done", rows_done=count, rows_total=count, document_id=doc_id, finished_at=now)
    )
    uow.commit()
    audit_export(uow, job.user_id, export.name, audited_filters(export, job.filters), count, job.format, now)
    return count


def run_export_requests(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The `exports` job: writes every queued request's file; one that fails is marked failed."""
    done = failed = rows = 0
    while (job := _claim(uow)) is not None:
        try:
            rows += _write(uow, job, now)
            done += 1
        except HuikuanError as exc:
            uow.rollback()
            _fail(uow, job.id, exc.msgid, now)
            failed += 1
        except Exception as exc:  # noqa: BLE001 - a broken request must not stop the others
            uow.rollback()
            _fail(uow, job.id, safe_message(exc), now)
            failed += 1
    return {"done": done, "failed": failed, "rows": rows}


def _fail(uow: UnitOfWork, request_id: int, error: str, now: datetime) -> None:
    r = t.export_requests.c
    uow.begin_write()
    uow.session.execute(
        update(t.export_requests)
        .where(r.id == request_id)
        .values(status="failed", error=error, finished_at=now)
    )
    uow.commit()


def _percent(row: Any) -> int:
    if row.status == "done":
        return 100
    return min(99, int(100 * row.rows_done / row.rows_total)) if row.rows_total else 0


def export_requests_of(uow: UnitOfWork, viewer: Viewer, limit: int = 50) -> list[dict[str, Any]]:
    """The viewer's own requests, newest first, with their progress."""
    r = t.export_requests.c
    rows = uow.session.execute(
        select(t.export_requests).where(r.user_id == viewer.user_id).order_by(r.id.desc()).limit(limit)
    ).all()
    return [{**dict(row._mapping), "percent": _percent(row)} for row in rows]


def export_request(uow: UnitOfWork, viewer: Viewer, request_id: int) -> dict[str, Any]:
    r = t.export_requests.c
    row = uow.session.execute(
        select(t.export_requests).where(r.id == request_id, r.user_id == viewer.user_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no export {id}", id=request_id)
    return {**dict(row._mapping), "percent": _percent(row)}


def export_request_file(uow: UnitOfWork, viewer: Viewer, request_id: int) -> ExportFile:
    """The file of one of the viewer's own finished requests; anyone else's is not found."""
    found = export_request(uow, viewer, request_id)
    if found["document_id"] is None:
        raise NotFound("Export {id} has no file yet", id=request_id)
    d = t.documents.c
    doc = uow.session.execute(select(t.documents).where(d.id == found["document_id"])).one()
    data = store_named(doc.store).get(doc.stored_key)
    return ExportFile(doc.filename, doc.content_type, data, int(found["rows_done"]))


__all__ = [
    "ExportFile",
    "Exported",
    "export_list",
    "export_request",
    "export_request_file",
    "export_requests_of",
    "run_export_requests",
]
