"""The audit viewer: the audit log read back, newest first, filtered by who acted, the case, the kind of
action and a time range, paged with its true count. Supervisors and administrators read it.

A row names what it refers to by ids and names of fields (storage/audit.py), never personal values, so
the viewer shows each row as it is: who, when, the action, the entity and the detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, func, select

from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, require_supervisor
from huikuan.services.paging import Paging, paging
from huikuan.services.users import user_id_of
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 50
MOST_PER_PAGE = 200
MOST_KINDS = 500  # the kinds offered by the filter


@dataclass(frozen=True)
class AuditFilter:
    """Who acted (a username), the case, the kind ("user.created", or "user" for every user.* action),
    and the days from and to (inclusive) in the viewer's zone. None: any."""

    username: str | None = None
    case_id: int | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None


def _day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("{field}: {value} is not a date (YYYY-MM-DD)", field=name, value=text) from None


def audit_filter(q: Mapping[str, str]) -> AuditFilter:
    """The audit viewer's filter from its page's query (user, case, kind, from, to)."""
    case = q.get("case", "").strip()
    if case and not case.isdigit():
        raise InvalidInput("case: {value} is not a case number", value=case)
    return AuditFilter(
        username=q.get("user", "").strip() or None,
        case_id=int(case) if case else None,
        kind=q.get("kind", "").strip() or None,
        since=_day(q.get("from", ""), "from"),
        until=_day(q.get("to", ""), "to"),
    )


def _start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def _conditions(uow: UnitOfWork, viewer: Viewer, where: AuditFilter) -> list[ColumnElement[bool]]:
    """The filter as conditions on audit_events alone (the count needs no join)."""
    e = t.audit_events.c
    found: list[ColumnElement[bool]] = []
    if where.username:
        found.append(e.user_id == user_id_of(uow, where.username))
    if where.case_id is not None:
        found += [e.entity == "case", e.entity_id == where.case_id]
    if where.kind:
        # The kinds the log holds that match (exactly, or by the first word): an IN list that the index
        # on (action, at) serves, where a LIKE would not on every collation.
        kind = where.kind.strip().rstrip(".")
        matching = [k for k in _kinds(uow) if k == kind or k.startswith(kind + ".")]
        found.append(e.action.in_(matching) if matching else false())
    if where.since is not None:
        found.append(e.at >= _start(where.since, viewer.time_zone))
    if where.until is not None:
        found.append(e.at < _start(where.until + timedelta(days=1), viewer.time_zone))
    return found


def audit_events(
    uow: UnitOfWork, viewer: Viewer, where: AuditFilter, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[dict[str, Any]], Paging]:
    """A page of the events matching the filter, newest first, with the true total."""
    require_supervisor(viewer)
    e, u = t.audit_events.c, t.users.c
    conditions = _conditions(uow, viewer, where)
    placed = paging(uow, select(e.id).where(*conditions), page, per_page, most=MOST_PER_PAGE)
    # The page's rows first, then their users: the join touches 50 rows, not every match.
    ids = (
        select(e.id)
        .where(*conditions)
        .order_by(e.at.desc(), e.id.desc())
        .offset(placed.offset)
        .limit(placed.per_page)
        .subquery("page")
    )
    rows = uow.session.execute(
        select(e.id, e.at, e.user_id, u.username, u.display_name, e.action, e.entity, e.entity_id, e.detail)
        .select_from(t.audit_events.join(ids, ids.c.id == e.id).outerjoin(t.users, u.id == e.user_id))
        .order_by(e.at.desc(), e.id.desc())
    ).all()
    return [dict(row._mapping) for row in rows], placed


def audit_kinds(uow: UnitOfWork, viewer: Viewer) -> list[str]:
    """The kinds of action the log holds, for the filter's choices."""
    require_supervisor(viewer)
    return _kinds(uow)


def _kinds(uow: UnitOfWork) -> list[str]:
    # A loose index scan (ix_audit_events_action_at): one probe per kind, not a pass over the whole log.
    kinds: list[str] = []
    e = t.audit_events.c
    kind = uow.session.execute(select(func.min(e.action))).scalar()
    while kind is not None and len(kinds) < MOST_KINDS:
        kinds.append(str(kind))
        kind = uow.session.execute(select(func.min(e.action)).where(e.action > kind)).scalar()
    return kinds


__all__ = ["PER_PAGE", "AuditFilter", "audit_events", "audit_filter", "audit_kinds"]
