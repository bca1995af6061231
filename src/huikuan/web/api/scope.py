"""Which creditors each team and user serves (services/tenancy.py): supervisors read, administrators set.
A PUT replaces the whole list; an empty list removes it (a team's members serve every creditor, a user
follows its team again)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from huikuan.services import tenancy
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router
from huikuan.web.ids import NO_NUL, PathId

router = api_router("/admin", "administration")


class CreditorsIn(Body):
    creditors: list[Annotated[str, Field(max_length=40, pattern=NO_NUL)]] = Field(
        max_length=1000, description="The codes of the creditors served"
    )


@router.get("/teams/{team_id}/creditors")
def team_creditors(team_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The creditors a team serves (`creditors`: their codes; empty: every creditor)."""
    return tenancy.team_serves(uow, viewer, team_id).to_dict()


@router.put("/teams/{team_id}/creditors")
def set_team_creditors(
    team_id: PathId, body: CreditorsIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Sets the creditors a team serves; audited."""
    return tenancy.set_team_creditors(uow, viewer, team_id, body.creditors).to_dict()


@router.get("/users/{user_id}/creditors")
def user_creditors(user_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The creditors a user serves itself (`creditors`), or what it follows without (`follows`: "team",
    whose list is `team_creditors`, or "all")."""
    return tenancy.user_serves(uow, viewer, user_id).to_dict()


@router.put("/users/{user_id}/creditors")
def set_user_creditors(
    user_id: PathId, body: CreditorsIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Sets the creditors a collector or supervisor serves itself, before its team's; audited."""
    return tenancy.set_user_creditors(uow, viewer, user_id, body.creditors).to_dict()
