"""Who may see and change what: the viewer of every workbench use case, and the cases in its reach.

- admin: every case. supervisor: every case of the creditors it serves; they approve offers beyond a
  collector's authority and edit scripts.
- collector: the cases assigned to it or to a member of its team and the unassigned pool, of the creditors
  it serves, and whatever is assigned to it or it holds (of any creditor: a case given to someone stays
  theirs to see when its creditor is no longer served).
- creditor_viewer: read-only, the cases of its own creditor only, from its portfolio (services/portfolio.py);
  it has no queue.

Seeing a case is not working it: a collector writes to a case (a contact, a promise, an offer, a message,
an assessment) only while it holds the case from its queue or when the case is assigned to it; a
supervisor or admin may write to any case it sees, and doing so on a case another person holds or is
assigned is recorded in the audit log (`case.worked_by_supervisor`).

The creditors a user serves (tables team_creditors and user_creditors, set by services/tenancy.py): its
own rows if it has any, else its team's, else (no rows at all) every creditor. An administrator serves every
creditor whatever its rows; a creditor's viewer its own creditor only. `Viewer.creditors` holds them (None:
every creditor), read once per request with the viewer.

A case out of reach is reported as not found (its existence is not disclosed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from huikuan.config import get_settings
from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotAuthenticated, NotFound
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.membership import member_of
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
    skills: tuple[str, ...] = ()  # e.g. "vulnerability": may take the cases of vulnerable debtors
    creditors: frozenset[int] | None = None  # the creditors it serves (None: every creditor)

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
            u.skills,
        ).where(u.id == user_id, u.active.is_(True))
    ).one_or_none()
    if row is None:
        raise NotAuthenticated("Your session has ended: please log in again")
    zone = row.time_zone or get_settings().time_zone
    role = Role(row.role)
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
        tuple(row.skills or ()),
        None if role in (Role.ADMIN, Role.CREDITOR_VIEWER) else served_creditors(uow, row.id, row.team_id),
    )


def served_creditors(uow: UnitOfWork, user_id: int, team_id: int | None) -> frozenset[int] | None:
    """The creditors a user serves: its own rows, else its team's, else None (every creditor)."""
    uc, tc = t.user_creditors.c, t.team_creditors.c
    own = frozenset(uow.session.execute(select(uc.creditor_id).where(uc.user_id == user_id)).scalars())
    if own:
        return own
    if team_id is not None:
        team = frozenset(uow.session.execute(select(tc.creditor_id).where(tc.team_id == team_id)).scalars())
        if team:
            return team
    return None


def creditor_scope(viewer: Viewer, creditor_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """A WHERE clause on any creditor column: the creditors the viewer serves (a creditor's viewer: its
    own). For the lists that name creditors rather than cases (statements, creditors)."""
    if viewer.role is Role.CREDITOR_VIEWER:
        return creditor_id == viewer.creditor_id if viewer.creditor_id is not None else false()
    if viewer.creditors is None:
        return true()
    return creditor_id.in_(sorted(viewer.creditors))


def serves(viewer: Viewer, creditor_id: int) -> bool:
    """Whether the viewer serves the creditor (see `creditor_scope`)."""
    if viewer.role is Role.CREDITOR_VIEWER:
        return viewer.creditor_id == creditor_id
    return viewer.creditors is None or creditor_id in viewer.creditors


def case_scope(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on `cases` selecting the cases the viewer may see."""
    c = t.cases.c
    if viewer.role is Role.CREDITOR_VIEWER:
        return creditor_scope(viewer, c.creditor_id)
    if viewer.creditors is None and viewer.supervises:
        return true()
    mine = or_(c.assigned_user_id == viewer.user_id, c.claimed_by == viewer.user_id)
    if viewer.supervises:
        return or_(mine, creditor_scope(viewer, c.creditor_id))
    if viewer.team_id is None:
        reach: ColumnElement[bool] = c.assigned_user_id.is_(None)
    else:
        team = select(t.users.c.id).where(t.users.c.team_id == viewer.team_id).scalar_subquery()
        reach = or_(c.assigned_user_id.is_(None), member_of(c.assigned_user_id, team))
    if viewer.creditors is None:
        return or_(mine, reach)
    return or_(mine, and_(creditor_scope(viewer, c.creditor_id), reach))


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


def debtor_case(uow: UnitOfWork, viewer: Viewer, debtor_id: int, *, write: bool = False) -> Any:
    """The case of a debtor (one case per debtor) if the viewer may see it, as `visible_case`: the
    routes that name a debtor answer for it exactly as for its case. Raises NotFound or Forbidden."""
    row = uow.session.execute(
        select(t.cases).where(t.cases.c.debtor_id == debtor_id, case_scope(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound("There is no debtor {debtor_id} that you may see", debtor_id=debtor_id)
    if write:
        require_writer(viewer)
    return row


def case_to_work(uow: UnitOfWork, viewer: Viewer, case_id: int, now: datetime | None = None) -> Any:
    """The case row if the viewer may write to it now (see the module's rules); else NotFound or
    Forbidden, a case held by someone else naming who holds it and until when."""
    case = visible_case(uow, viewer, case_id, write=True)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    refused = why_not_work(uow, viewer, case, now)
    if refused is not None:
        raise refused
    others = {holder(case, now), case.assigned_user_id} - {None, viewer.user_id}
    if viewer.supervises and others:
        record(
            uow.session,
            at=now,
            user_id=viewer.user_id,
            action="case.worked_by_supervisor",
            entity="case",
            entity_id=case_id,
            detail={"held_by": holder(case, now), "assigned_to": case.assigned_user_id},
        )
    return case


def may_work(uow: UnitOfWork, viewer: Viewer, case_id: int) -> bool:
    """Whether the viewer may write to the case now (a panel shows its form only then)."""
    case = visible_case(uow, viewer, case_id)
    return why_not_work(uow, viewer, case, datetime.now(UTC)) is None


def may_take(
    viewer: Viewer, assigned_user_id: int | None, held_by: int | None, *, vulnerable: bool = False
) -> bool:
    """Whether the viewer may take a case from the queue: no one holds it (an expired claim holds
    nothing), the viewer may write, and the case is the pool's or the viewer's own (a supervisor: any).
    A vulnerable debtor's case (an open vulnerability hold) goes only to a trained collector."""
    if viewer.read_only or held_by is not None:
        return False
    if vulnerable and not trained_for_vulnerability(viewer):
        return False
    return viewer.supervises or assigned_user_id in (None, viewer.user_id)


def trained_for_vulnerability(viewer: Viewer) -> bool:
    """A supervisor, or a collector with the skill "vulnerability"."""
    return viewer.supervises or "vulnerability" in viewer.skills


def holder(case: Any, now: datetime) -> int | None:
    """Who holds the case from the queue now (a claim without expiry has lapsed)."""
    held = case.claimed_by is not None and case.claim_expires_at is not None and case.claim_expires_at > now
    return int(case.claimed_by) if held else None


def why_not_work(uow: UnitOfWork, viewer: Viewer, case: Any, now: datetime) -> Forbidden | None:
    """Why the viewer may not write to this case (a row it sees) now, or None when it may."""
    if viewer.read_only:
        return Forbidden("Your account may only read")
    held_by = holder(case, now)
    if viewer.supervises or held_by == viewer.user_id or case.assigned_user_id == viewer.user_id:
        return None
    if held_by is not None:
        return Forbidden(
            "{name} is working on this case until {until}: it cannot be changed meanwhile",
            name=_name(uow, held_by),
            until=f"{case.claim_expires_at.astimezone(ZoneInfo(viewer.time_zone)):%H:%M}",
        )
    if case.assigned_user_id is not None:
        return Forbidden(
            "This case is assigned to {name}: a supervisor can move it to you",
            name=_name(uow, case.assigned_user_id),
        )
    return Forbidden("Take this case from your queue before working on it")


def _name(uow: UnitOfWork, user_id: int) -> str:
    name = uow.session.execute(select(t.users.c.display_name).where(t.users.c.id == user_id)).scalar()
    return str(name or "?")


def require_writer(viewer: Viewer) -> None:
    if viewer.read_only:
        raise Forbidden("Your account may only read")


def require_supervisor(viewer: Viewer) -> None:
    if not viewer.supervises:
        raise Forbidden("Only a supervisor may do this")


def require_admin(viewer: Viewer) -> None:
    if viewer.role is not Role.ADMIN:
        raise Forbidden("Only an administrator may do this")
