"""The case page's "Compliance record" tab: the versions of the debtor's facts (who changed what, when and
why), the replay of the case's contacts against the facts of their time, and the dossier's downloads
(the PDF here, the JSON at /api/v1/cases/{id}/dossier) for supervisors and administrators."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from huikuan.services.case_labels import label
from huikuan.services.dossier import case_dossier, may_download_dossier
from huikuan.services.dossier_pdf import render_dossier
from huikuan.services.record import case_record
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()


@router.get("/cases/{case_id}/panels/record", response_class=HTMLResponse)
def record_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The facts' versions and the replay's result, for whoever may see the case."""
    data = case_record(uow, viewer, case_id)
    locale = request_locale(request)
    context: dict[str, Any] = {
        "record": data,
        "case_id": case_id,
        "may_download": may_download_dossier(viewer),
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
    }
    return render(request, "case/_record.html", context)


@router.get("/cases/{case_id}/dossier.pdf")
def dossier_pdf(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """The dossier as a PDF in the reader's language; supervisors and administrators; audited."""
    data = case_dossier(uow, viewer, case_id, fmt="pdf")
    content = render_dossier(data, request_locale(request))
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="dossier-case-{case_id}.pdf"'},
    )
