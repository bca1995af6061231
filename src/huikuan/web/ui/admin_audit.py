"""The audit viewer's page (/admin/audit): the audit log newest first, filtered by user, case, kind and
days, the filters in the address so that a view can be shared; paged with its true count. Supervisors
and administrators read it."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.errors import HuikuanError, InvalidInput
from huikuan.services.access import require_supervisor
from huikuan.services.audit_view import AuditFilter, audit_events, audit_kinds
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router("/admin/audit")


def _day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("{field}: {value} is not a date (YYYY-MM-DD)", field=name, value=text) from None


def _filter(q: dict[str, str]) -> AuditFilter:
    case = q.get("case", "").strip()
    if case and not case.isdigit():
        raise InvalidInput("case: {value} is not a case number", value=case)
    return AuditFilter(
        username=q.get("user", "").strip() or None,
        case_id=int(case) if case else None,
        kind=q.get("kind", "").strip() or None,
        since=_day(q.get("from", ""), "from"),
        until=_day(q.get("to", ""), "to"),
    )


@router.get("", response_class=HTMLResponse)
def audit_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    require_supervisor(viewer)
    q = dict(request.query_params)
    page = int(q["page"]) if q.get("page", "").isdigit() else 1
    context = {"kinds": audit_kinds(uow, viewer), "q": q, "page_link": lambda n: page_link(request, n)}
    try:
        events, paging = audit_events(uow, viewer, _filter(q), page)
    except HuikuanError as exc:
        error = exc.translated(request_locale(request))
        return render(request, "admin/audit.html", {**context, "error": error, "events": []}, status_code=422)
    return render(request, "admin/audit.html", {**context, "events": events, "paging": paging})
