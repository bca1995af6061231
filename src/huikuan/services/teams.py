"""The floor's teams: the list with how many members each has, a team with its members, creating one,
renaming one and setting the languages it works in. Supervisors read; administrators change. Which
creditors a team serves is the scope's business, not this module's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from huikuan.domain.model import Team
from huikuan.errors import AlreadyExists, InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin, require_supervisor
from huikuan.services.user_admin import check_languages
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

NAME_MAX = 100


def list_teams(uow: UnitOfWork, viewer: Viewer) -> list[dict[str, Any]]:
    """Every team by name, with its members: all of them and the active ones."""
    require_supervisor(viewer)
    tm, u = t.teams.c, t.users.c
    counts = (
        select(
            u.team_id,
            func.count(u.id).label("members"),
            func.count(u.id).filter(u.active.is_(True)).label("active_members"),
        )
        .where(u.team_id.is_not(None))
        .group_by(u.team_id)
        .subquery("counts")
    )
    rows = uow.session.execute(
        select(
            tm.id,
            tm.name,
            tm.languages,
            func.coalesce(counts.c.members, 0).label("members"),
            func.coalesce(counts.c.active_members, 0).label("active_members"),
        )
        .select_from(t.teams.outerjoin(counts, counts.c.team_id == tm.id))
        .order_by(tm.name)
    ).all()
    return [{**row._mapping, "languages": list(row.languages or [])} for row in rows]


def team_record(uow: UnitOfWork, viewer: Viewer, team_id: int) -> dict[str, Any]:
    """A team and its members (by username); NotFound if there is none."""
    require_supervisor(viewer)
    tm, u = t.teams.c, t.users.c
    row = uow.session.execute(select(tm.id, tm.name, tm.languages).where(tm.id == team_id)).one_or_none()
    if row is None:
        raise NotFound("There is no team {team_id}", team_id=team_id)
    members = uow.session.execute(
        select(u.id, u.username, u.display_name, u.role, u.languages, u.active)
        .where(u.team_id == team_id)
        .order_by(u.username)
    ).all()
    return {
        "id": row.id,
        "name": row.name,
        "languages": list(row.languages or []),
        "members": [dict(m._mapping) for m in members],
    }


def _name(uow: UnitOfWork, name: str, team_id: int | None = None) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("team: the name must not be empty")
    if len(clean) > NAME_MAX:
        raise InvalidInput("team: the name is longer than {count} characters", count=NAME_MAX)
    tm = t.teams.c
    taken = uow.session.execute(select(tm.id).where(tm.name == clean)).scalar()
    if taken is not None and taken != team_id:
        raise AlreadyExists("team {name} exists already", name=clean)
    return clean


def create_team(
    uow: UnitOfWork, viewer: Viewer | None, name: str, languages: list[str], now: datetime | None = None
) -> int:
    """A new team; its id."""
    if viewer is not None:
        require_admin(viewer)
    uow.begin_write()
    team = Team(name=_name(uow, name), languages=check_languages(languages))
    uow.session.add(team)
    uow.session.flush()
    team_id = int(team.id or 0)
    record(
        uow.session,
        at=now or datetime.now(UTC),
        user_id=viewer.user_id if viewer else None,
        action="team.created",
        entity="team",
        entity_id=team_id,
    )
    uow.commit()
    return team_id


def team_named(uow: UnitOfWork, viewer: Viewer | None, name: str) -> int:
    """The id of the team of this name, created (and audited) if there is none yet."""
    found = uow.session.execute(select(t.teams.c.id).where(t.teams.c.name == " ".join(name.split()))).scalar()
    return int(found) if found is not None else create_team(uow, viewer, name, [])


def update_team(
    uow: UnitOfWork,
    viewer: Viewer | None,
    team_id: int,
    *,
    name: str | None = None,
    languages: list[str] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Renames the team or sets its languages (None: kept); the names of what changed."""
    if viewer is not None:
        require_admin(viewer)
    uow.begin_write()
    tm = t.teams.c
    row = uow.session.execute(select(tm.name, tm.languages).where(tm.id == team_id)).one_or_none()
    if row is None:
        raise NotFound("There is no team {team_id}", team_id=team_id)
    values: dict[str, Any] = {}
    if name is not None and _name(uow, name, team_id) != row.name:
        values["name"] = _name(uow, name, team_id)
    if languages is not None and check_languages(languages) != list(row.languages or []):
        values["languages"] = check_languages(languages)
    if not values:
        uow.rollback()
        return []
    uow.session.execute(update(t.teams).where(tm.id == team_id).values(**values))
    record(
        uow.session,
        at=now or datetime.now(UTC),
        user_id=viewer.user_id if viewer else None,
        action="team.updated",
        entity="team",
        entity_id=team_id,
        detail={"changed": sorted(values)},
    )
    uow.commit()
    return sorted(values)


__all__ = ["create_team", "list_teams", "team_named", "team_record", "update_team"]
