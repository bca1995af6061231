"""The case page's "Notices and time limits" section (tab "debtor"): per account the validation notice,
the limitation date, the interest cap; the demands recorded (downloadable as CSV); and, for supervisors,
writing off or returning the case's accounts with a reason (confirmed before it is sent)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from huikuan.domain.ids import MAX_ID
from huikuan.services.account_status import end_by_supervisor
from huikuan.services.acknowledgments import record_acknowledgment
from huikuan.services.case_labels import label
from huikuan.services.notices_view import demands_csv, notices_view
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()


def _render(request: Request, uow: UnitOfWork, viewer: Any, case_id: int, **extra: Any) -> HTMLResponse:
    locale = request_locale(request)
    view = notices_view(uow, viewer, case_id)
    context = {
        "nv": view,
        "case_id": case_id,
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
        "rate": lambda bp: "" if bp is None else f"{bp // 100}.{bp % 100:02d}%",
        **extra,
    }
    return render(request, "case/_notices.html", context)


@router.get("/cases/{case_id}/panels/notices", response_class=HTMLResponse)
def notices_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _render(request, uow, viewer, case_id)


@router.get("/cases/{case_id}/demands.csv")
def demands_download(case_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """The demands for payment recorded on the case, as evidence of each restart of the limitation."""
    body = demands_csv(uow, viewer, case_id)
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-demands.csv"'},
    )


@router.post("/cases/{case_id}/accounts/end", response_class=HTMLResponse)
def end_accounts_form(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    action: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=400)] = "",
    account_id: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None, Form(max_length=1000)] = None,
) -> HTMLResponse:
    """Writes off or returns the case's open accounts (those ticked, else all) with a reason; supervisors."""
    done = end_by_supervisor(uow, viewer, case_id, action=action, reason=reason, account_ids=account_id)
    response = _render(request, uow, viewer, case_id, ended=len(done.accounts))
    response.headers["HX-Trigger"] = "case-changed"
    return response


@router.post("/cases/{case_id}/acknowledgments", response_class=HTMLResponse)
def acknowledgment_form(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    on: Annotated[date, Form()],
    note: Annotated[str, Form(max_length=400)] = "",
) -> HTMLResponse:
    """Records the debtor's written acknowledgment of the case's open accounts (uk-conc restarts)."""
    done = record_acknowledgment(uow, viewer, case_id, on=on, note=note)
    response = _render(request, uow, viewer, case_id, acknowledged=len(done))
    response.headers["HX-Trigger"] = "case-changed"
    return response


__all__ = ["router"]
