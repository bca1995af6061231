"""Tenancy: which creditors each team and each user serves, set by an administrator (the page
/admin/scope, the API, `huikuan scope team|user`), read by supervisors.

A user serves its own creditors if it has any, else its team's, else (no rows at all) every creditor: a
floor that never set any keeps working as before. Setting a user's list to nothing makes it follow its
team again; setting a team's list to nothing makes its members serve every creditor. Only collectors and
supervisors have their own lists (an administrator serves every creditor, a creditor's viewer its own).
How the scope applies to cases is services/access.py's (`case_scope`, `creditor_scope`). Every change
is audited (`team.creditors_set`, `user.creditors_set`, with the creditors' codes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from huikuan.domain.enums import Role
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, creditor_scope, require_admin, require_supervisor
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

SERVING_ROLES = (Role.COLLECTOR.value, Role.SUPERVISOR.value)


@dataclass(frozen=True)
class Served:
    """Whom (a team or a user) and the creditors' codes it serves by its own rows; `follows` says where a
    user with no rows of its own gets them ("team": its team's, listed in `team_codes`; "all": every
    creditor)."""

    kind: str  # "team" or "user"
    id: int
    name: str
    codes: list[str]
    follows: str | None = None
    team_codes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.kind: {"id": self.id, "name": self.name}, "creditors": self.codes}
        if self.kind == "user":
            out |= {"follows": self.follows, "team_creditors": self.team_codes}
        return out


def _codes(uow: UnitOfWork, table: Any, owner: Any, owner_id: int) -> list[str]:
    cr = t.creditors.c
    query = (
        select(cr.code).join(table, table.c.creditor_id == cr.id).where(owner == owner_id).order_by(cr.code)
    )
    return list(uow.session.execute(query).scalars())


def _team(uow: UnitOfWork, team_id: int) -> Any:
    row = uow.session.execute(
        select(t.teams.c.id, t.teams.c.name).where(t.teams.c.id == team_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no team {team_id}", team_id=team_id)
    return row


def _user(uow: UnitOfWork, user_id: int) -> Any:
    u = t.users.c
    row = uow.session.execute(
        select(u.id, u.username, u.role, u.team_id).where(u.id == user_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no user {user_id}", user_id=user_id)
    return row


def team_id_of(uow: UnitOfWork, name: str) -> int:
    """The id of the team of this name; NotFound when there is none."""
    found = uow.session.execute(select(t.teams.c.id).where(t.teams.c.name == name)).scalar()
    if found is None:
        raise NotFound("There is no team {name}", name=name)
    return int(found)


def team_serves(uow: UnitOfWork, viewer: Viewer | None, team_id: int) -> Served:
    """The creditors a team serves by its rows (none: its members serve every creditor)."""
    if viewer is not None:
        require_supervisor(viewer)
    team = _team(uow, team_id)
    tc = t.team_creditors
    return Served("team", team.id, team.name, _codes(uow, tc, tc.c.team_id, team_id))


def user_serves(uow: UnitOfWork, viewer: Viewer | None, user_id: int) -> Served:
    """The creditors a user serves by its own rows, and what it follows without them."""
    if viewer is not None:
        require_supervisor(viewer)
    user = _user(uow, user_id)
    uc, tc = t.user_creditors, t.team_creditors
    own = _codes(uow, uc, uc.c.user_id, user_id)
    team = _codes(uow, tc, tc.c.team_id, user.team_id) if user.team_id is not None else []
    follows = None if own else ("team" if team else "all")
    return Served("user", user.id, user.username, own, follows, team)


def _creditor_ids(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, int]:
    wanted = sorted({code.strip() for code in codes if code.strip()})
    cr = t.creditors.c
    found = {
        r.code: int(r.id) for r in uow.session.execute(select(cr.id, cr.code).where(cr.code.in_(wanted)))
    }
    missing = [code for code in wanted if code not in found]
    if missing:
        raise InvalidInput("creditors: no creditor with code {code}", code=missing[0])
    return found


def set_team_creditors(
    uow: UnitOfWork, viewer: Viewer | None, team_id: int, codes: Sequence[str], now: datetime | None = None
) -> Served:
    """An administrator sets the creditors a team serves (none: every creditor). `viewer` None is the
    operator at the command line."""
    if viewer is not None:
        require_admin(viewer)
    _team(uow, team_id)
    ids = _creditor_ids(uow, codes)
    tc = t.team_creditors
    _replace(uow, tc, tc.c.team_id, "team_id", team_id, ids)
    _audit(uow, viewer, "team", team_id, sorted(ids), now)
    uow.commit()
    return team_serves(uow, None, team_id)


def set_user_creditors(
    uow: UnitOfWork, viewer: Viewer | None, user_id: int, codes: Sequence[str], now: datetime | None = None
) -> Served:
    """An administrator sets the creditors a collector or supervisor serves itself, before its team's
    (none: it follows its team again)."""
    if viewer is not None:
        require_admin(viewer)
    user = _user(uow, user_id)
    ids = _creditor_ids(uow, codes)
    if ids and user.role not in SERVING_ROLES:
        raise InvalidInput(
            "creditors: only collectors and supervisors serve chosen creditors; an administrator serves "
            "every creditor and a creditor's viewer its own"
        )
    uc = t.user_creditors
    _replace(uow, uc, uc.c.user_id, "user_id", user_id, ids)
    _audit(uow, viewer, "user", user_id, sorted(ids), now)
    uow.commit()
    return user_serves(uow, None, user_id)


def _replace(
    uow: UnitOfWork, table: Any, owner: Any, column: str, owner_id: int, ids: dict[str, int]
) -> None:
    uow.begin_write()
    uow.session.execute(delete(table).where(owner == owner_id))
    if ids:
        uow.session.execute(insert(table), [{column: owner_id, "creditor_id": i} for i in ids.values()])


def _audit(
    uow: UnitOfWork, viewer: Viewer | None, kind: str, entity_id: int, codes: list[str], now: datetime | None
) -> None:
    record(
        uow.session,
        at=now or datetime.now(UTC),
        user_id=viewer.user_id if viewer else None,
        action=f"{kind}.creditors_set",
        entity=kind,
        entity_id=entity_id,
        detail={"creditors": codes},
    )


def scope_grid(uow: UnitOfWork, viewer: Viewer) -> dict[str, Any]:
    """The page's grid: the creditors (those the viewer serves), every team with the codes it serves, the
    collectors and supervisors with their own lists, and those without (to give one)."""
    require_supervisor(viewer)
    cr, tm, u = t.creditors.c, t.teams.c, t.users.c
    creditors = [
        dict(r._mapping)
        for r in uow.session.execute(
            select(cr.id, cr.code, cr.name).where(creditor_scope(viewer, cr.id)).order_by(cr.code)
        )
    ]
    teams = [
        {
            "id": r.id,
            "name": r.name,
            "codes": set(_codes(uow, t.team_creditors, t.team_creditors.c.team_id, r.id)),
        }
        for r in uow.session.execute(select(tm.id, tm.name).order_by(tm.name))
    ]
    team_names = {team["id"]: team["name"] for team in teams}
    own: dict[int, set[str]] = {}
    for r in uow.session.execute(
        select(t.user_creditors.c.user_id, cr.code).join(t.creditors, cr.id == t.user_creditors.c.creditor_id)
    ):
        own.setdefault(int(r.user_id), set()).add(r.code)
    people = uow.session.execute(
        select(u.id, u.username, u.display_name, u.role, u.team_id)
        .where(u.role.in_(SERVING_ROLES), u.active.is_(True))
        .order_by(u.username)
    ).all()
    users = [
        {**dict(r._mapping), "team": team_names.get(r.team_id), "codes": own[r.id]}
        for r in people
        if r.id in own
    ]
    others = [dict(r._mapping) for r in people if r.id not in own]
    return {"creditors": creditors, "teams": teams, "users": users, "others": others}


__all__ = [
    "Served",
    "scope_grid",
    "set_team_creditors",
    "set_user_creditors",
    "team_id_of",
    "team_serves",
    "user_serves",
]
