"""Reading the floor's users for the administration: the list (filtered by role, team and whether active,
paged with its true count) and one user's record. Supervisors read; administrators change
(services/user_admin.py). Neither reads a password hash or a second factor's secret, only whether one is
enrolled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from huikuan.errors import NotFound
from huikuan.services.access import Viewer, require_supervisor
from huikuan.services.paging import Paging, paging
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 50
MOST_PER_PAGE = 200


@dataclass(frozen=True)
class UserFilter:
    role: str | None = None
    team_id: int | None = None
    active: bool | None = None  # None: active and deactivated alike


def _query() -> Select[Any]:
    u, tm, cr = t.users.c, t.teams.c, t.creditors.c
    return select(
        u.id,
        u.username,
        u.display_name,
        u.role,
        u.team_id,
        tm.name.label("team"),
        cr.code.label("creditor"),
        u.locale,
        u.time_zone,
        u.languages,
        u.skills,
        u.shifts,
        u.phone_extension,
        u.active,
        u.password_changed_at,
        u.totp_secret.is_not(None).label("mfa_enrolled"),
    ).select_from(
        t.users.outerjoin(t.teams, tm.id == u.team_id).outerjoin(t.creditors, cr.id == u.creditor_id)
    )


def _plain(row: Any) -> dict[str, Any]:
    found = dict(row._mapping)
    found["mfa_enrolled"] = bool(found["mfa_enrolled"])
    found["languages"] = list(found["languages"] or [])
    found["skills"] = list(found["skills"] or [])
    found["shifts"] = list(found["shifts"] or [])
    return found


def list_users(
    uow: UnitOfWork, viewer: Viewer, where: UserFilter, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[dict[str, Any]], Paging]:
    """A page of the users matching the filter, by username, with the true total."""
    require_supervisor(viewer)
    u = t.users.c
    query = _query()
    if where.role:
        query = query.where(u.role == where.role)
    if where.team_id is not None:
        query = query.where(u.team_id == where.team_id)
    if where.active is not None:
        query = query.where(u.active.is_(where.active))
    placed = paging(uow, query, page, per_page, most=MOST_PER_PAGE)
    rows = uow.session.execute(query.order_by(u.username).offset(placed.offset).limit(placed.per_page)).all()
    return [_plain(row) for row in rows], placed


def user_record(uow: UnitOfWork, viewer: Viewer, username: str) -> dict[str, Any]:
    """One user as the administration shows it; NotFound if there is none."""
    require_supervisor(viewer)
    row = uow.session.execute(_query().where(t.users.c.username == username)).one_or_none()
    if row is None:
        raise NotFound("There is no user {username}", username=username)
    return _plain(row)


__all__ = ["PER_PAGE", "UserFilter", "list_users", "user_record"]
