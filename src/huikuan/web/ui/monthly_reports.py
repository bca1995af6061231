"""The creditors' monthly reports on the web: their download (a creditor's viewer its own, an
administrator any; services/monthly_access.py) and the form on a creditor's page where an administrator
sets who they are e-mailed to (services/report_recipients.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from huikuan.services import creditor_admin
from huikuan.services.access import require_admin
from huikuan.services.export_requests import ExportFile
from huikuan.services.monthly_access import read_monthly_report
from huikuan.services.report_recipients import parse_recipients, set_recipients
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router
from huikuan.web.ui.creditor_admin import _refused
from huikuan.web.ui.exports import file_response
from huikuan.web.ui.form_submit import submit

router = page_router()


@router.get("/portfolio/monthly-reports/{file_id}")
def monthly_report_download(file_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """One monthly report (PDF); another creditor's is not found. Audited."""
    row, data = read_monthly_report(uow, viewer, file_id)
    return file_response(ExportFile(row["filename"], "application/pdf", data, 0))


@router.post("/admin/creditors/{creditor_id}/report-recipients", response_class=HTMLResponse)
def save_report_recipients(
    request: Request,
    creditor_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    emails: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Who the creditor's monthly report is e-mailed to (addresses separated by commas or lines)."""
    require_admin(viewer)
    creditor_admin.detail(uow, viewer, creditor_id)  # an unknown creditor is not found
    return submit(
        request,
        uow,
        lambda: set_recipients(uow, viewer.user_id, creditor_id, parse_recipients(emails)),
        done=f"/admin/creditors/{creditor_id}?done=recipients",
        refused=lambda error: _refused(
            request, uow, viewer, creditor_id, "recipients", error, typed_recipients=emails
        ),
    )
