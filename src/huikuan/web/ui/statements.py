"""The statements page (/money/statements): creditors' monthly statements with their totals and files, a
form to run a month (administrators) and a reconciliation of a creditor's payment file (administrators
and supervisors). A creditor's viewer sees its own creditor's statements only; collectors none.

Thin: services/statements.py, statement_access.py and reconcile.py decide; this module parses forms.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, require_admin, require_supervisor
from huikuan.services.creditors import get_creditor
from huikuan.services.reconcile import Reconciliation, reconcile
from huikuan.services.statement_access import (
    creditors_for,
    served_creditor,
    statement_file,
    statements_for,
)
from huikuan.services.statements import run_statement
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render
from huikuan.web.ui.disputes import document_response

router = page_router()
MAX_RECONCILE_BYTES = 200 * 1024 * 1024
SHOWN = 500  # differences listed on the page (the counts cover all)


def _page(
    request: Request, uow: UnitOfWork, viewer: Viewer, result: Reconciliation | None = None
) -> HTMLResponse:
    context: dict[str, Any] = {
        "statements": statements_for(uow, viewer),
        "creditors": creditors_for(uow, viewer),
        "result": result,
        "differences": (result.differences[:SHOWN] if result else []),
        "shown": SHOWN,
    }
    return render(request, "money/statements.html", context)


@router.get("/money/statements", response_class=HTMLResponse)
def statements_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _page(request, uow, viewer)


@router.post("/money/statements/run")
def run_month(
    viewer: ViewerDep,
    uow: UowDep,
    creditor: Annotated[str, Form()] = "",
    month: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
) -> RedirectResponse:
    require_admin(viewer)
    if locale not in ("", "zh_CN", "en"):
        raise InvalidInput("Language: zh_CN or en")
    creditor_id = get_creditor(uow, creditor.strip()).id or 0
    with tempfile.TemporaryDirectory() as out:
        run_statement(
            uow, viewer.user_id, creditor_id, month, Path(out), datetime.now(UTC), locale=locale or None
        )
    return RedirectResponse("/money/statements", status_code=303)


@router.post("/money/statements/reconcile", response_class=HTMLResponse)
async def reconcile_file(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    creditor: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    require_supervisor(viewer)
    if file is None or not file.filename:
        raise InvalidInput("Choose the creditor's payment file")
    data = await file.read(MAX_RECONCILE_BYTES + 1)
    if len(data) > MAX_RECONCILE_BYTES:
        raise InvalidInput("The file is larger than {mb} MB", mb=MAX_RECONCILE_BYTES // (1024 * 1024))
    suffix = Path(file.filename).suffix.lower()[:8] or ".csv"
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"payments{suffix}"
        path.write_bytes(data)
        served_creditor(uow, viewer, creditor.strip())
        result = reconcile(uow, creditor.strip(), path, Path(work) / "out")
    return _page(request, uow, viewer, result)


@router.get("/money/statements/{statement_id}/download")
def download(
    statement_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    file: Annotated[str, Query(max_length=10)] = "pdf",
) -> Response:
    """One file of a statement (pdf, csv, xlsx, invoice), as an attachment; audited."""
    row, data = statement_file(uow, viewer, statement_id, file)
    return document_response(row, data)
