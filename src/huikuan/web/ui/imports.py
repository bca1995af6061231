"""The imports pages: /imports, the history of a creditor's imports with the upload form (placement,
payment and recall files, strict or lenient), and /imports/{id}, one batch: its progress while it runs
(the page polls /imports/{id}/progress), then its report, with its file and its rejected rows to
download. Who may do what: services/import_history.py; the import itself: services/import_jobs.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput
from huikuan.intake import RowError, SkippedRow, reason_in, skip_reason_in
from huikuan.services.access import Viewer
from huikuan.services.import_history import (
    batch_file,
    creditors_for,
    import_batch,
    import_history,
    require_importer,
)
from huikuan.services.import_jobs import KINDS, StartImport, start_import
from huikuan.services.import_runs import launch
from huikuan.storage.engine import get_engine
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.disputes import document_response
from huikuan.web.ui.paging import page_link

router = page_router()
Page = Annotated[int, Query(ge=1, le=1_000_000)]
Code = Annotated[str, Query(max_length=40)]
SHOWN = 200  # error rows and skipped rows listed on the page (the rejects file has them all)


def importer(viewer: ViewerDep) -> Viewer:
    """The viewer, if it may import (refused before the upload is read)."""
    require_importer(viewer)
    return viewer


ImporterDep = Annotated[Viewer, Depends(importer)]


def _history(
    request: Request, uow: UnitOfWork, viewer: Viewer, creditor: str, page: int, **extra: Any
) -> dict[str, Any]:
    rows, paging = import_history(uow, viewer, creditor or None, page=page)
    return {
        "batches": rows,
        "paging": paging,
        "page_link": lambda n: page_link(request, n),
        "creditors": creditors_for(uow, viewer),
        "chosen": creditor,
        "kinds": KINDS,
        **extra,
    }


@router.get("/imports", response_class=HTMLResponse)
def imports_page(
    request: Request, viewer: ViewerDep, uow: UowDep, creditor: Code = "", page: Page = 1
) -> HTMLResponse:
    return render(request, "imports/page.html", _history(request, uow, viewer, creditor, page))


@router.post("/imports", response_class=HTMLResponse)
async def upload(
    request: Request,
    viewer: ImporterDep,
    uow: UowDep,
    creditor: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=20)] = "accounts",
    mode: Annotated[str, Form(max_length=10)] = "strict",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Keeps the file and starts its import in the background; the batch's page shows it."""
    try:
        if file is None or not file.filename:
            raise InvalidInput("Choose the file to import")
        if mode not in ("strict", "lenient"):
            raise InvalidInput("Mode: strict or lenient")
        cmd = StartImport(creditor, kind, mode == "strict", file.filename, await file.read())
        batch_id = start_import(uow, viewer, cmd)
    except InvalidInput as exc:
        context = _history(
            request, uow, viewer, creditor, 1, form_error=exc.translated(request_locale(request))
        )
        return render(request, "imports/page.html", context, status_code=422)
    launch(get_engine(request.app.state.database_url), batch_id)
    return RedirectResponse(f"/imports/{batch_id}", status_code=303)


def _batch(request: Request, uow: UnitOfWork, viewer: Viewer, batch_id: int) -> dict[str, Any]:
    batch = import_batch(uow, viewer, batch_id)
    locale = request_locale(request)
    report = batch["report"]
    errors = [
        {
            **e,
            "reason": reason_in(
                RowError(e["row"], e["column"], e["value"], e["code"], e["reason"], e.get("detail")), locale
            ),
        }
        for e in report.get("errors", [])[:SHOWN]
    ]
    skips = [
        {**s, "reason": skip_reason_in(SkippedRow(s["row"], s["reason"]), locale)}
        for s in report.get("skipped_rows", [])[:SHOWN]
    ]
    return {"batch": batch, "report": report, "errors": errors, "skips": skips, "shown": SHOWN}


@router.get("/imports/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return render(request, "imports/batch.html", _batch(request, uow, viewer, batch_id))


@router.get("/imports/{batch_id}/progress", response_class=HTMLResponse)
def batch_progress(request: Request, batch_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The batch's status, polled by its page until it has ended (then with its report)."""
    return render(request, "imports/_batch.html", _batch(request, uow, viewer, batch_id))


@router.get("/imports/{batch_id}/file")
def download_file(batch_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """The file as it was uploaded; audited."""
    return document_response(*batch_file(uow, viewer, batch_id, "file"))


@router.get("/imports/{batch_id}/rejects")
def download_rejects(batch_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """The rejected rows with their reasons (lenient mode); audited."""
    return document_response(*batch_file(uow, viewer, batch_id, "rejects"))
