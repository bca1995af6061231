"""JSON API of the exports: `GET /api/v1/exports/{list}.csv` or `.xlsx` with the list's own query
parameters (the same as its page's) gives the file, or, past the threshold, 202 and the request to
follow; the requests and their files; the creditors' daily activity files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from huikuan.services.activity_access import activity_file_list, read_activity_file
from huikuan.services.export_files import CONTENT_TYPES, FORMATS
from huikuan.services.export_lists import LISTS
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


_FILES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}, CONTENT_TYPES["xlsx"]: {}}}}


@router.get("/requests/{request_id}/file", responses=_FILES)
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


@router.get("/activity/{file_id}", responses={200: {"content": {"text/csv": {}}}})
def activity_file(file_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    row, data = read_activity_file(uow, viewer, file_id)
    return file_response(ExportFile(row["filename"], "text/csv; charset=utf-8", data, 0))


def _export(name: str, fmt: str) -> Callable[..., Response]:
    def export(request: Request, viewer: ApiViewerDep, uow: UowDep) -> Response:
        params = dict(request.query_params.items())
        done = export_list(uow, viewer, name, fmt, params, viewer.locale or "zh_CN")
        if done.file is None:
            assert done.request_id is not None
            found = export_request(uow, viewer, done.request_id)
            return JSONResponse({"request": _request(found)}, status_code=202)
        return file_response(done.file)

    export.__name__ = f"export_{name}_{fmt}"
    export.__doc__ = (
        f"The {name} list as {fmt.upper()} with the same query parameters as its page; past the threshold "
        '202 `{"request": {...}}` to follow until its `file` is given.'
    )
    return export


for _name in LISTS:
    for _fmt in FORMATS:
        router.add_api_route(
            f"/{_name}.{_fmt}",
            _export(_name, _fmt),
            methods=["GET"],
            responses={
                200: {"content": {CONTENT_TYPES[_fmt].split(";")[0]: {}}},
                202: {"description": "too long to download at once: the export request to follow"},
            },
        )
