"""The page /admin/scope: which creditors each team and user serves (services/tenancy.py). Supervisors
read it; administrators tick a team's creditors, or a user's own (before its team's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.domain.enums import Role
from huikuan.errors import InvalidInput, NotFound
from huikuan.services import tenancy
from huikuan.services.access import Viewer
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router("/admin/scope")
Codes = Annotated[list[str] | None, Form()]


def _page(
    request: Request, uow: UnitOfWork, viewer: Viewer, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    context = {
        **tenancy.scope_grid(uow, viewer),
        "may_edit": viewer.role is Role.ADMIN,
        "saved": request.query_params.get("saved"),
        **extra,
    }
    return render(request, "admin/scope.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def scope_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _page(request, uow, viewer)


@router.post("/teams/{team_id}", response_class=HTMLResponse)
def save_team(
    request: Request, team_id: PathId, viewer: ViewerDep, uow: UowDep, creditor: Codes = None
) -> Response:
    """Sets the creditors the team serves (none ticked: every creditor)."""
    try:
        tenancy.set_team_creditors(uow, viewer, team_id, creditor or [])
    except InvalidInput as exc:
        return _page(request, uow, viewer, status_code=422, error=exc.translated(request_locale(request)))
    return RedirectResponse("/admin/scope?saved=team", status_code=303)


@router.post("/users", response_class=HTMLResponse)
def save_user(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    user_id: Annotated[str, Form()] = "",
    creditor: Codes = None,
) -> Response:
    """Sets the creditors a user serves itself (none ticked: it follows its team again)."""
    try:
        if not user_id.isdigit():
            raise InvalidInput("Choose a user")
        tenancy.set_user_creditors(uow, viewer, int(user_id), creditor or [])
    except (InvalidInput, NotFound) as exc:
        return _page(request, uow, viewer, status_code=422, error=exc.translated(request_locale(request)))
    return RedirectResponse("/admin/scope?saved=user", status_code=303)
