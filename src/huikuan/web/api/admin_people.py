"""The administrator's API for people: users (list, one, create, change), teams (list, one, create,
change) and the audit log. The same use cases as the administration pages and the command line;
supervisors read, administrators change."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

from huikuan.services import teams
from huikuan.services.audit_view import AuditFilter, audit_events
from huikuan.services.user_admin import KEEP, NewUser, UserChange, create_user, update_user
from huikuan.services.user_list import UserFilter, list_users, user_record
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router
from huikuan.web.ids import NO_NUL, PathId, QueryId

Username = Annotated[str, Path(max_length=80, pattern=NO_NUL)]

router = api_router("/admin", "administration")


class Shift(Body):
    days: list[int] = Field(description="0 Monday .. 6 Sunday")
    start: str = Field(description="HH:MM, the floor's zone")
    end: str = Field(description="HH:MM; before start: runs past midnight")


class UserIn(Body):
    username: str = Field(min_length=1, max_length=80)
    role: str = "collector"
    display_name: str = ""
    password: str = Field("", description="Empty: one is made and given back in this answer only")
    team_id: int | None = None
    creditor_code: str | None = Field(None, description="The creditor of a creditor_viewer")
    locale: str = "zh_CN"
    time_zone: str | None = None
    languages: list[str] = ["zh"]
    skills: list[str] = []
    shifts: list[Shift] = []


class UserUpdate(Body):
    """The fields to change; a field not sent is kept (team_id null: no team)."""

    display_name: str | None = None
    role: str | None = None
    team_id: int | None = None
    creditor_code: str | None = None
    locale: str | None = None
    time_zone: str | None = None
    languages: list[str] | None = None
    skills: list[str] | None = None
    shifts: list[Shift] | None = None
    phone_extension: str | None = Field(
        default=None, max_length=64, description="The seat click-to-call rings first; empty: none"
    )


@router.get("/users")
def users_list(
    viewer: ApiViewerDep,
    uow: UowDep,
    role: Annotated[str | None, Query(max_length=20, pattern=NO_NUL)] = None,
    team_id: QueryId = None,
    active: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """The users matching the filter, by username, with the true total."""
    rows, paging = list_users(uow, viewer, UserFilter(role or None, team_id, active), page, per_page)
    return {"users": rows, "paging": paging.to_dict()}


@router.get("/users/{username}")
def user_get(username: Username, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    return user_record(uow, viewer, username)


@router.post("/users", status_code=201)
def user_create(body: UserIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """A new user; `password` is in this answer only, when one was made."""
    fields = body.model_dump()
    fields["shifts"] = tuple(fields["shifts"])
    fields["languages"], fields["skills"] = tuple(fields["languages"]), tuple(fields["skills"])
    user_id, password = create_user(uow, viewer, NewUser(**fields))
    return {"id": user_id, "username": body.username.strip(), **({"password": password} if password else {})}


@router.put("/users/{username}")
def user_update(
    username: Username, body: UserUpdate, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, list[str]]:
    """Changes the fields sent; the names of those that changed."""
    sent = body.model_dump(include=body.model_fields_set)
    change = UserChange(**{name: sent.get(name, KEEP) for name in UserUpdate.model_fields})
    return {"changed": update_user(uow, viewer, username, change)}


class TeamIn(Body):
    name: str = Field(min_length=1, max_length=100)
    languages: list[str] = []


class TeamUpdate(Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    languages: list[str] | None = None


@router.get("/teams")
def teams_list(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[dict[str, Any]]]:
    """Every team with its member counts."""
    return {"teams": teams.list_teams(uow, viewer)}


@router.get("/teams/{team_id}")
def team_get(team_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    return teams.team_record(uow, viewer, team_id)


@router.post("/teams", status_code=201)
def team_create(body: TeamIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, int]:
    return {"id": teams.create_team(uow, viewer, body.name, body.languages)}


@router.put("/teams/{team_id}")
def team_update(team_id: PathId, body: TeamUpdate, viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[str]]:
    """Renames the team or sets its languages; the names of what changed."""
    return {"changed": teams.update_team(uow, viewer, team_id, name=body.name, languages=body.languages)}


@router.get("/audit")
def audit(
    viewer: ApiViewerDep,
    uow: UowDep,
    user: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
    case_id: QueryId = None,
    kind: Annotated[str | None, Query(max_length=60, pattern=NO_NUL)] = None,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """The audit log newest first, filtered (days in the caller's zone, inclusive), with the true total."""
    where = AuditFilter(user or None, case_id, kind or None, since, until)
    rows, paging = audit_events(uow, viewer, where, page, per_page)
    return {"events": rows, "paging": paging.to_dict()}
