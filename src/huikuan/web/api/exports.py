"""JSON API of the exports: `GET /api/v1/exports/{list}.csv` or `.xlsx` with the list's own query
parameters (the same as its page's) gives the file, or, past the threshold, 202 and the request to
follow; the requests and their files; the creditors' daily activity files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import JSONResponse, Response

from huikuan.services.activity_files import activity_file_list, read_activity_file
from huikuan.services.export_requests import (
    ExportFile,
    export_list,
    export_request,
    export_request_file,
    export_requests_of,
)
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.exports import file_response

router = api_router("/exports", "exports")

ListName = Annotated[str, Path(pattern="^[a-z]{1,20}$")]
Format = Annotated[str, Path(pattern="^(csv|xlsx)$")]


def _request(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "list": row["list_name"],
        "format": row["format"],
        "filters": row["filters"],
        "status": row["status"],
        "rows_total": row["rows_total"],
        "rows_done": row["rows_done"],
        "percent": row["percent"],
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "file": f"/api/v1/exports/requests/{row['id']}/file" if row["document_id"] else None,
    }


@router.get("/requests")
def requests_list(viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """`{"items": [...]}`: one's own large exports, newest first."""
    return {"items": [_request(r) for r in export_requests_of(uow, viewer)]}


@router.get("/requests/{request_id}")
def request_one(request_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    return _request(export_request(uow, viewer, request_id))


@router.get("/requests/{request_id}/file")
def request_file(request_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    return file_response(export_request_file(uow, viewer, request_id))


@router.get("/activity")
def activity_list(viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """`{"items": [{"id", "filename", "creditor", "size", "created_at", "file"}]}`."""
    return {
        "items": [
            {
                "id": f["id"],
                "filename": f["filename"],
                "creditor": f["creditor_code"],
                "size": f["size"],
                "created_at": f["created_at"].isoformat(),
                "file": f"/api/v1/exports/activity/{f['id']}",
            }
            for f in activity_file_list(uow, viewer)
        ]
    }


@router.get("/activity/{document_id}")
def activity_file(document_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    row, data = read_activity_file(uow, viewer, document_id)
    return file_response(ExportFile(row["filename"], "text/csv; charset=utf-8", data, 0))


@router.get("/{name}.{fmt}")
def export(request: Request, name: ListName, fmt: Format, viewer: ApiViewerDep, uow: UowDep) -> Response:
    """The list's file, or 202 `{"request": {...}}` when it is long enough for the job."""
    params = dict(request.query_params.items())
    locale = viewer.locale or "zh_CN"
    done = export_list(uow, viewer, name, fmt, params, locale)
    if done.file is None:
        assert done.request_id is not None
        return JSONResponse(
            {"request": _request(export_request(uow, viewer, done.request_id))}, status_code=202
        )
    return file_response(done.file)
