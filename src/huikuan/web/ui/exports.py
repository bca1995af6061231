"""Downloads of the lists (/exports/{list}.csv or .xlsx with the page's own query), the page of one's
large exports written by the job (/exports), and the creditors' daily activity files (/exports/activity).
The rules are in services/export_requests.py, export_lists.py and activity_files.py."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.services.activity_access import activity_file_list, read_activity_file
from huikuan.services.export_files import FORMATS
from huikuan.services.export_lists import LISTS
from huikuan.services.export_requests import (
    ExportFile,
    export_list,
    export_request,
    export_request_file,
    export_requests_of,
)
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()


def file_response(found: ExportFile) -> Response:
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """One's own large exports: queued, running (with their progress) and done (to download)."""
    shown = export_requests_of(uow, viewer)
    running = any(r["status"] in ("queued", "running") for r in shown)
    return render(request, "exports/page.html", {"requests": shown, "running": running})


@router.get("/exports/activity", response_class=HTMLResponse)
def activity_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The daily activity files: a creditor's viewer its own creditor's, an administrator every one's."""
    return render(request, "exports/activity.html", {"files": activity_file_list(uow, viewer)})


@router.get("/exports/activity/{file_id}")
def activity_download(file_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """One activity file (CSV); another creditor's is not found. Audited."""
    row, data = read_activity_file(uow, viewer, file_id)
    return file_response(ExportFile(row["filename"], "text/csv; charset=utf-8", data, 0))


@router.get("/exports/requests/{request_id}", response_class=HTMLResponse)
def request_row(request: Request, request_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """One of one's large exports as a row of the page (asked for again every 2 s while it runs)."""
    found = export_request(uow, viewer, request_id)
    return render(request, "exports/_request.html", {"r": found})


@router.get("/exports/requests/{request_id}/file")
def request_download(request_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """The file of one of one's large exports, once written."""
    return file_response(export_request_file(uow, viewer, request_id))


def _download(name: str, fmt: str) -> Callable[..., Response]:
    def download(request: Request, viewer: ViewerDep, uow: UowDep) -> Response:
        params = dict(request.query_params.items())
        done = export_list(uow, viewer, name, fmt, params, request_locale(request))
        if done.file is None:
            return RedirectResponse(f"/exports#export-{done.request_id}", status_code=303)
        return file_response(done.file)

    download.__name__ = f"download_{name}_{fmt}"
    download.__doc__ = (
        f"The {name} list as {fmt.upper()} with its page's query: every row its filters select, at once; "
        "a list past the threshold is handed to the job and the exports page shown."
    )
    return download


# One route per list and format (/exports/queue.csv ...), so that each is named in the access matrix.
for _name in LISTS:
    for _fmt in FORMATS:
        router.add_api_route(f"/exports/{_name}.{_fmt}", _download(_name, _fmt), methods=["GET"])
