"""Who may see and change what: the viewer of every workbench use case, and the cases in its reach.

- admin and supervisor: every case; they approve offers beyond a collector's authority and edit scripts.
- collector: the cases assigned to it or to a member of its team, the unassigned pool, and what it holds.
- creditor_viewer: read-only, the cases of its own creditor only.

A case out of reach is reported as not found (its existence is not disclosed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true

from huikuan.config import get_settings
from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotAuthenticated, NotFound
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Viewer:
    """The logged-in user, as every service sees it."""

    user_id: int
    username: str
    display_name: str
    role: Role
    team_id: int | None
    creditor_id: int | None
    locale: str
    time_zone: str
    languages: tuple[str, ...] = ()  # the languages this user works in ("zh", "en")

    @property
    def supervises(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def read_only(self) -> bool:
        return self.role is Role.CREDITOR_VIEWER


def get_viewer(uow: UnitOfWork, user_id: int) -> Viewer:
    u = t.users.c
    row = uow.session.execute(
        select(
            u.id,
            u.username,
            u.display_name,
            u.role,
            u.team_id,
            u.creditor_id,
            u.locale,
            u.time_zone,
            u.languages,
        ).where(u.id == user_id, u.active.is_(True))
    ).one_or_none()
    if row is None:
        raise NotAuthenticated("Your session has ended: please log in again")
    zone = row.time_zone or get_settings().time_zone
    return Viewer(
        row.id,
        row.username,
        row.display_name,
        Role(row.role),
        row.team_id,
        row.creditor_id,
        row.locale,
        zone,
        tuple(row.languages or ()),
    )


def case_scope(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on `cases` selecting the cases the viewer may see."""
    c = t.cases.c
    if viewer.supervises:
        return true()
    if viewer.role is Role.CREDITOR_VIEWER:
        return c.creditor_id == viewer.creditor_id if viewer.creditor_id is not None else false()
    mine = or_(c.assigned_user_id == viewer.user_id, c.claimed_by == viewer.user_id)
    if viewer.team_id is None:
        return or_(mine, c.assigned_user_id.is_(None))
    team = select(t.users.c.id).where(t.users.c.team_id == viewer.team_id).scalar_subquery()
    return or_(mine, c.assigned_user_id.is_(None), c.assigned_user_id.in_(team))


def visible_case(uow: UnitOfWork, viewer: Viewer, case_id: int, *, write: bool = False) -> Any:
    """The case row (id, creditor_id, debtor_id, stage, claimed_by ...) if the viewer may see it.

    `write=True` also refuses a read-only viewer. Raises NotFound or Forbidden.
    """
    row = uow.session.execute(
        select(t.cases).where(t.cases.c.id == case_id, case_scope(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound("There is no case {case_id} that you may see", case_id=case_id)
    if write:
        require_writer(viewer)
    return row


def require_writer(viewer: Viewer) -> None:
    if viewer.read_only:
        raise Forbidden("Your account may only read")


def require_supervisor(viewer: Viewer) -> None:
    if not viewer.supervises:
        raise Forbidden("Only a supervisor may do this")
