"""The teams' administration pages: the list with member counts, creating a team, and a team's page with
its members, where it is renamed and its languages set. Supervisors read; administrators change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.domain.enums import Role
from huikuan.errors import HuikuanError
from huikuan.services.access import Viewer, require_admin
from huikuan.services.teams import create_team, list_teams, team_record, update_team
from huikuan.services.user_admin import WORK_LANGUAGES
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router("/admin/teams")
Languages = Annotated[list[str] | None, Form()]


def _base(viewer: Viewer) -> dict[str, Any]:
    return {"is_admin": viewer.role is Role.ADMIN, "work_languages": WORK_LANGUAGES}


def _list(request: Request, uow: UnitOfWork, viewer: Viewer, status: int = 200, **extra: Any) -> HTMLResponse:
    context = {"teams": list_teams(uow, viewer), **_base(viewer), **extra}
    return render(request, "admin/teams.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def teams_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _list(request, uow, viewer)


@router.post("", response_class=HTMLResponse)
def create(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    name: Annotated[str, Form()] = "",
    languages: Languages = None,
) -> Response:
    require_admin(viewer)
    try:
        team_id = create_team(uow, viewer, name, languages or [])
    except HuikuanError as exc:
        uow.rollback()
        error = exc.translated(request_locale(request))
        return _list(request, uow, viewer, 422, create_error=error, name=name)
    return RedirectResponse(f"/admin/teams/{team_id}?done=created", status_code=303)


def _team(
    request: Request, uow: UnitOfWork, viewer: Viewer, team_id: int, status: int = 200, **extra: Any
) -> HTMLResponse:
    context = {"team": team_record(uow, viewer, team_id), **_base(viewer), **extra}
    return render(request, "admin/team.html", context, status_code=status)


@router.get("/{team_id}", response_class=HTMLResponse)
def team_page(
    request: Request, team_id: PathId, viewer: ViewerDep, uow: UowDep, done: str = ""
) -> HTMLResponse:
    return _team(request, uow, viewer, team_id, done=done)


@router.post("/{team_id}", response_class=HTMLResponse)
def edit(
    request: Request,
    team_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    name: Annotated[str, Form()] = "",
    languages: Languages = None,
) -> Response:
    require_admin(viewer)
    try:
        update_team(uow, viewer, team_id, name=name, languages=languages or [])
    except HuikuanError as exc:
        uow.rollback()
        error = exc.translated(request_locale(request))
        return _team(request, uow, viewer, team_id, 422, edit_error=error)
    return RedirectResponse(f"/admin/teams/{team_id}?done=saved", status_code=303)
