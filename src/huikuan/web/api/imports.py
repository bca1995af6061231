"""The imports' endpoints: POST /api/v1/imports (multipart: the file, the creditor, the kind, the mode)
queues an import and answers 202 with the batch; GET /api/v1/imports lists the history (paged, true
count); GET /api/v1/imports/{id} is one batch with its status, progress and report (the command line's
`--json` report, errors and skipped rows kept up to 1,000 each); its file and rejected rows download from
/api/v1/imports/{id}/file and /rejects (audited). Who may: services/import_history.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer
from huikuan.services.import_history import batch_file, import_batch, import_history, require_importer
from huikuan.services.import_jobs import StartImport, start_import
from huikuan.services.import_runs import launch
from huikuan.storage.engine import get_engine
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import NO_NUL, PathId
from huikuan.web.ui.disputes import document_response

router = api_router("/imports", "imports")
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


class BatchOut(BaseModel):
    id: int
    creditor_code: str
    kind: str
    filename: str
    mode: str | None
    status: str
    stage: str | None = Field(description="the step a running import has reached (its name)")
    step: int = Field(description="that step's number, from 1; 0 before the first or once ended")
    steps: int = Field(description="the number of steps of this kind of import")
    rows_total: int | None
    rows_done: int
    percent: int = Field(description="the progress bar: the share of the steps done, 100 once done")
    started_at: datetime
    finished_at: datetime | None
    username: str | None
    counts: dict[str, int]
    has_file: bool
    has_rejects: bool


class BatchReport(BatchOut):
    report: dict[str, Any]


class BatchList(BaseModel):
    items: list[BatchOut]
    paging: dict[str, Any]


def api_importer(viewer: ApiViewerDep) -> Viewer:
    """The caller, if it may import (refused before the upload is read)."""
    require_importer(viewer)
    return viewer


@router.post("", status_code=202, response_model=BatchOut)
async def post_import(
    request: Request,
    viewer: Annotated[Viewer, Depends(api_importer)],
    uow: UowDep,
    creditor: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=20, description="accounts, payments or recalls")] = "accounts",
    mode: Annotated[str, Form(max_length=10, description="strict or lenient")] = "strict",
    file: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    """Keeps the file and queues its import, which runs in the background: follow it with GET
    /api/v1/imports/{id} until its status is done, refused or failed."""
    if file is None or not file.filename:
        raise InvalidInput("Choose the file to import")
    if mode not in ("strict", "lenient"):
        raise InvalidInput("Mode: strict or lenient")
    cmd = StartImport(creditor, kind, mode == "strict", file.filename, await file.read())
    batch_id = start_import(uow, viewer, cmd)
    batch = import_batch(uow, viewer, batch_id)  # read before the import takes SQLite's one writer
    uow.rollback()
    launch(get_engine(request.app.state.database_url), batch_id)
    return batch


@router.get("", response_model=BatchList)
def list_imports(
    viewer: ApiViewerDep,
    uow: UowDep,
    creditor: Annotated[str, Query(max_length=40, pattern=NO_NUL)] = "",
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """The imports the caller may see (one creditor's, by its code, or all), newest first."""
    rows, pages = import_history(uow, viewer, creditor or None, page=page, per_page=per_page)
    return {"items": rows, "paging": pages.to_dict()}


@router.get("/{batch_id}", response_model=BatchReport)
def get_import(batch_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """One import: its status and progress, then its report."""
    return import_batch(uow, viewer, batch_id)


@router.get("/{batch_id}/file")
def get_import_file(batch_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    """The file as it was uploaded; audited."""
    return document_response(*batch_file(uow, viewer, batch_id, "file"))


@router.get("/{batch_id}/rejects")
def get_import_rejects(batch_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    """The rejected rows with their reasons (lenient mode); audited."""
    return document_response(*batch_file(uow, viewer, batch_id, "rejects"))
