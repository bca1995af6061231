"""The audit viewer's page (/admin/audit): the audit log newest first, filtered by user, case, kind and
days, the filters in the address so that a view can be shared; paged with its true count. Supervisors
and administrators read it."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.errors import HuikuanError
from huikuan.services.access import require_supervisor
from huikuan.services.audit_view import audit_events, audit_filter, audit_kinds
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router("/admin/audit")


@router.get("", response_class=HTMLResponse)
def audit_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    require_supervisor(viewer)
    q = dict(request.query_params)
    page = int(q["page"]) if q.get("page", "").isdigit() else 1
    context = {"kinds": audit_kinds(uow, viewer), "q": q, "page_link": lambda n: page_link(request, n)}
    try:
        events, paging = audit_events(uow, viewer, audit_filter(q), page)
    except HuikuanError as exc:
        error = exc.translated(request_locale(request))
        return render(request, "admin/audit.html", {**context, "error": error, "events": []}, status_code=422)
    return render(request, "admin/audit.html", {**context, "events": events, "paging": paging})
