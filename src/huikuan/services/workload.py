"""The supervisor's team view (/workload): for each collector of a team, its open cases, today's planned
contacts and the contacts it has made today, the promises due today on its cases, and its load against
its daily capacity; and who is away.

Capacity: the daily plan gives every active collector DEFAULT_MINUTES of calls (domain/portfolio.py, six
hours) at Capacity.minutes_per_call (strategy/api.py, four minutes) a call, so a collector's day holds
DAILY_CAPACITY = 90 contacts. Load is today's planned contacts (plan rows of the floor's day with an
action, planned for that collector or, when the plan names no one, on a case assigned to it) over that
capacity; a collector away today has no capacity.

A supervisor of a team sees its own team; an admin, or a supervisor of no team, picks one. The cases
counted are those of the viewer's scope (services/access.case_scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, func, select

from huikuan.domain.enums import Role
from huikuan.domain.portfolio import DEFAULT_MINUTES
from huikuan.errors import Forbidden, NotFound
from huikuan.services.access import Viewer, case_scope, require_supervisor
from huikuan.services.queue_order import Clock, clock_at
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.api import Capacity

DAILY_CAPACITY = int(DEFAULT_MINUTES // Capacity.minutes_per_call)  # contacts a collector's day holds
OPEN_STAGES_EXCLUDED = ("closed",)


@dataclass(frozen=True)
class CollectorLoad:
    user_id: int
    name: str
    open_cases: int
    planned_today: int
    done_today: int
    promises_due: int
    capacity: int  # 0 when away today
    away: bool

    @property
    def load_percent(self) -> int | None:
        """Planned contacts as a share of capacity (None: no capacity today)."""
        return round(100 * self.planned_today / self.capacity) if self.capacity else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "open_cases": self.open_cases,
            "planned_today": self.planned_today,
            "done_today": self.done_today,
            "promises_due": self.promises_due,
            "capacity": self.capacity,
            "load_percent": self.load_percent,
            "away": self.away,
        }


@dataclass(frozen=True)
class Workload:
    team_id: int
    team_name: str
    day: date
    collectors: list[CollectorLoad]
    pool: int  # open cases of the scope assigned to no one
    teams: list[tuple[int, str]]  # the teams the viewer may pick
    absences: list[dict[str, Any]]  # the team's absences not yet over

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": {"id": self.team_id, "name": self.team_name},
            "day": self.day.isoformat(),
            "daily_capacity": DAILY_CAPACITY,
            "collectors": [c.to_dict() for c in self.collectors],
            "pool": self.pool,
            "teams": [{"id": i, "name": n} for i, n in self.teams],
            "absences": [
                {**a, "starts_on": str(a["starts_on"]), "ends_on": str(a["ends_on"])} for a in self.absences
            ],
        }


def team_for(uow: UnitOfWork, viewer: Viewer, team_id: int | None) -> tuple[int, str]:
    """The team the viewer looks at: a supervisor of a team its own; an admin or a supervisor of no team
    the one asked for, else the first. NotFound when there is none; Forbidden for another's team."""
    require_supervisor(viewer)
    tm = t.teams.c
    if viewer.role is Role.SUPERVISOR and viewer.team_id is not None:
        if team_id not in (None, viewer.team_id):
            raise Forbidden("A supervisor sees its own team's workload only")
        team_id = viewer.team_id
    query = select(tm.id, tm.name).order_by(tm.id)
    row = uow.session.execute(query.where(tm.id == team_id) if team_id else query.limit(1)).first()
    if row is None:
        raise NotFound("There is no such team")
    return int(row.id), str(row.name)


def pickable_teams(uow: UnitOfWork, viewer: Viewer) -> list[tuple[int, str]]:
    tm = t.teams.c
    query = select(tm.id, tm.name).order_by(tm.name)
    if viewer.role is Role.SUPERVISOR and viewer.team_id is not None:
        query = query.where(tm.id == viewer.team_id)
    return [(int(r.id), str(r.name)) for r in uow.session.execute(query)]


def team_collectors(uow: UnitOfWork, team_id: int) -> list[tuple[int, str]]:
    """The team's active collectors: (id, display name), by name."""
    u = t.users.c
    rows = uow.session.execute(
        select(u.id, u.display_name)
        .where(u.team_id == team_id, u.role == Role.COLLECTOR.value, u.active.is_(True))
        .order_by(u.display_name, u.id)
    )
    return [(int(r.id), str(r.display_name)) for r in rows]


def away_on(uow: UnitOfWork, user_ids: list[int], day: date) -> set[int]:
    """Who of them is away on `day` (an absence covers it)."""
    if not user_ids:
        return set()
    a = t.absences.c
    rows = uow.session.execute(
        select(a.user_id).where(a.user_id.in_(user_ids), a.starts_on <= day, a.ends_on >= day)
    )
    return {int(r) for r in rows.scalars()}


def open_case() -> Any:
    """A case with work left: an open account and not closed."""
    c = t.cases.c
    return and_(c.open_accounts > 0, c.stage.not_in(OPEN_STAGES_EXCLUDED))


def _counts(uow: UnitOfWork, viewer: Viewer, ids: list[int], clock: Clock) -> dict[str, dict[int, int]]:
    c, p, i, pr = t.cases.c, t.plan_rows.c, t.interactions.c, t.promises.c
    scope = case_scope(viewer)

    def grouped(query: Any) -> dict[int, int]:
        return {int(k): int(n) for k, n in uow.session.execute(query) if k is not None}

    planner = func.coalesce(p.user_id, c.assigned_user_id)
    return {
        "open": grouped(
            select(c.assigned_user_id, func.count())
            .where(c.assigned_user_id.in_(ids), open_case(), scope)
            .group_by(c.assigned_user_id)
        ),
        "planned": grouped(
            select(planner, func.count())
            .select_from(t.plan_rows)
            .join(t.cases, c.id == p.case_id)
            .where(p.plan_date == clock.today, p.action != "none", planner.in_(ids), scope)
            .group_by(planner)
        ),
        "done": grouped(
            select(i.user_id, func.count())
            .where(i.user_id.in_(ids), i.at >= clock.start_of_day, i.at < clock.end_of_day)
            .group_by(i.user_id)
        ),
        "promises": grouped(
            select(c.assigned_user_id, func.count())
            .select_from(t.promises)
            .join(t.cases, c.id == pr.case_id)
            .where(pr.status == "pending", pr.due_date == clock.today, c.assigned_user_id.in_(ids), scope)
            .group_by(c.assigned_user_id)
        ),
    }


def workload(
    uow: UnitOfWork, viewer: Viewer, team_id: int | None = None, *, now: datetime | None = None
) -> Workload:
    """The team's workload today (see the module's docstring)."""
    team, name = team_for(uow, viewer, team_id)
    clock = clock_at(now or datetime.now(UTC))
    people = team_collectors(uow, team)
    ids = [i for i, _n in people]
    counts = _counts(uow, viewer, ids, clock)
    away = away_on(uow, ids, clock.today)
    rows = [
        CollectorLoad(
            user_id=uid,
            name=display,
            open_cases=counts["open"].get(uid, 0),
            planned_today=counts["planned"].get(uid, 0),
            done_today=counts["done"].get(uid, 0),
            promises_due=counts["promises"].get(uid, 0),
            capacity=0 if uid in away else DAILY_CAPACITY,
            away=uid in away,
        )
        for uid, display in people
    ]
    c = t.cases.c
    pool = uow.session.execute(
        select(func.count()).where(c.assigned_user_id.is_(None), open_case(), case_scope(viewer))
    ).scalar_one()
    return Workload(
        team,
        name,
        clock.today,
        rows,
        int(pool),
        pickable_teams(uow, viewer),
        absences_of(uow, ids, clock.today),
    )


def absences_of(uow: UnitOfWork, ids: list[int], today: date) -> list[dict[str, Any]]:
    """The absences of these collectors that end today or later, earliest first."""
    if not ids:
        return []
    a, u = t.absences.c, t.users.c
    rows = uow.session.execute(
        select(a.id, a.user_id, u.display_name, a.starts_on, a.ends_on, a.note)
        .join(t.users, u.id == a.user_id)
        .where(a.user_id.in_(ids), a.ends_on >= today)
        .order_by(a.starts_on, a.id)
    )
    return [
        {
            "id": r.id,
            "user_id": r.user_id,
            "name": r.display_name,
            "starts_on": r.starts_on,
            "ends_on": r.ends_on,
            "note": r.note,
        }
        for r in rows
    ]


def filter_choices(uow: UnitOfWork, viewer: Viewer) -> dict[str, Any]:
    """What the queue's and the workload's filters offer: creditors, stages, segments, bands; and, to a
    supervisor, the collectors cases may be filtered by or moved to."""
    from huikuan.domain.enums import CaseStage
    from huikuan.services.case_filter import DPD_BANDS, DUE_CHOICES, SORTS
    from huikuan.services.case_labels import SEGMENT_LABELS

    cr, u = t.creditors.c, t.users.c
    creditors = [
        (int(r.id), str(r.name)) for r in uow.session.execute(select(cr.id, cr.name).order_by(cr.name))
    ]
    collectors: list[tuple[int, str]] = []
    if viewer.supervises:
        query = select(u.id, u.display_name).where(u.role == Role.COLLECTOR.value, u.active.is_(True))
        if viewer.role is Role.SUPERVISOR and viewer.team_id is not None:
            query = query.where(u.team_id == viewer.team_id)
        collectors = [
            (int(r.id), str(r.display_name)) for r in uow.session.execute(query.order_by(u.display_name))
        ]
    return {
        "creditors": creditors,
        "stages": [s.value for s in CaseStage],
        "segments": list(SEGMENT_LABELS),
        "dpd_bands": list(DPD_BANDS),
        "due_choices": list(DUE_CHOICES),
        "sorts": list(SORTS),
        "collectors": collectors,
    }


__all__ = [
    "DAILY_CAPACITY",
    "CollectorLoad",
    "Workload",
    "away_on",
    "open_case",
    "team_collectors",
    "team_for",
    "workload",
]
