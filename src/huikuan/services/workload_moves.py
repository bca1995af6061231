"""Moving cases between collectors: bulk reassignment (by filter or by selection, to a collector or to the
pool), rebalancing a team's cases across its collectors by load, and a collector's absence, whose cases
due while it is away go to the others of its team by the same rebalancing.

Every move is shown first: without `confirm` a use case counts what it would move and changes nothing; with
it, it moves those cases and audits the move (`workload.reassigned`, `workload.rebalanced`,
`workload.absence_set`: counts and case ids, never a name or a balance).

One person, one collector: the cases of one person (linked through person_members -> persons, see
services/persons.py) are kept with one collector when rebalancing, so that no two collectors call the same
person about different debts. The load counted is a collector's open cases (services/workload.open_case);
the rebalancing keeps as many cases as it can where they are and gives the rest, largest group first,
to whoever has least, so that no collector ends with more than its share plus one person's cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import Role
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, case_scope, require_supervisor
from huikuan.services.case_filter import CaseFilter, where
from huikuan.services.clock import floor_zone
from huikuan.services.queue_order import clock_at
from huikuan.services.workload import away_on, open_case, team_collectors, team_for
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

MAX_SELECTION = 5000


@dataclass(frozen=True)
class Reassign:
    """Move cases to `to` (a collector's id; None: the pool), chosen by `case_ids` or else by `narrow`."""

    to: int | None
    case_ids: tuple[int, ...] = ()
    narrow: CaseFilter = field(default_factory=CaseFilter)
    confirm: bool = False
    now: datetime | None = None


@dataclass(frozen=True)
class Moved:
    """What a move did (or, unconfirmed, would do): how many cases, and to whom (user id -> count)."""

    count: int
    done: bool
    to: dict[int | None, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "done": self.done,
            "to": [{"user_id": k, "count": v} for k, v in self.to.items()],
        }


def _target(uow: UnitOfWork, viewer: Viewer, to: int | None) -> None:
    """A target must be an active collector (of the supervisor's own team, for a supervisor of one)."""
    if to is None:
        return
    u = t.users.c
    row = uow.session.execute(select(u.role, u.team_id, u.active).where(u.id == to)).first()
    if row is None or not row.active or row.role != Role.COLLECTOR.value:
        raise InvalidInput("Cases can only be moved to an active collector")
    if viewer.role is Role.SUPERVISOR and viewer.team_id is not None and row.team_id != viewer.team_id:
        raise InvalidInput("Cases can only be moved to a collector of your team")


def chosen_cases(uow: UnitOfWork, viewer: Viewer, ask: Reassign) -> list[int]:
    """The ids of the cases the move names: the selection (each one the viewer may see, else NotFound),
    or every open case of the viewer's scope that the filter selects."""
    c = t.cases.c
    if ask.case_ids:
        if len(ask.case_ids) > MAX_SELECTION:
            raise InvalidInput("Select at most {n} cases at once", n=MAX_SELECTION)
        wanted = set(ask.case_ids)
        found = set(uow.session.execute(select(c.id).where(c.id.in_(wanted), case_scope(viewer))).scalars())
        if found != wanted:
            raise NotFound("There is no case {case_id} that you may see", case_id=min(wanted - found))
        return sorted(found)
    if ask.narrow.empty:
        raise InvalidInput("Choose cases, or at least one filter, to move")
    clock = clock_at(ask.now)
    query = select(c.id).where(
        case_scope(viewer), open_case(), *where(ask.narrow, clock.today, clock.start_of_day, clock.end_of_day)
    )
    return sorted(int(i) for i in uow.session.execute(query).scalars())


def reassign(uow: UnitOfWork, viewer: Viewer, ask: Reassign) -> Moved:
    """Bulk reassignment (see the module's docstring). Only a supervisor or an admin may."""
    require_supervisor(viewer)
    if ask.confirm:
        uow.begin_write()  # what is counted is what is moved
    _target(uow, viewer, ask.to)
    ids = chosen_cases(uow, viewer, ask)
    if not ask.confirm:
        return Moved(len(ids), False, {ask.to: len(ids)})
    _move(
        uow,
        viewer,
        {ask.to: ids},
        "workload.reassigned",
        {"by": "selection" if ask.case_ids else "filter", "filter": ask.narrow.query()},
        ask.now,
    )
    uow.commit()
    return Moved(len(ids), True, {ask.to: len(ids)})


def _move(
    uow: UnitOfWork,
    viewer: Viewer,
    moves: dict[int | None, list[int]],
    action: str,
    detail: dict[str, Any],
    now: datetime | None,
) -> None:
    c = t.cases.c
    for to, ids in moves.items():
        for n in range(0, len(ids), 1000):
            uow.session.execute(
                update(t.cases)
                .where(c.id.in_(ids[n : n + 1000]))
                .values(assigned_user_id=to)
                .execution_options(synchronize_session=False)
            )
    record(
        uow.session,
        at=(now or datetime.now(UTC)),
        user_id=viewer.user_id,
        action=action,
        entity="team" if "team_id" in detail else None,
        entity_id=detail.get("team_id"),
        detail={
            **detail,
            "count": sum(len(v) for v in moves.values()),
            "moves": [{"to": k, "case_ids": v} for k, v in moves.items()],
        },
    )


def _groups(uow: UnitOfWork, case_ids: list[int]) -> dict[str, list[tuple[int, int | None]]]:
    """The cases grouped by person: key -> [(case id, assigned user)]; a debtor of no person is its own."""
    c, pm = t.cases.c, t.person_members.c
    out: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for n in range(0, len(case_ids), 1000):
        rows = uow.session.execute(
            select(c.id, c.assigned_user_id, c.debtor_id, pm.person_id)
            .outerjoin(t.person_members, pm.debtor_id == c.debtor_id)
            .where(c.id.in_(case_ids[n : n + 1000]))
        )
        for r in rows:
            key = f"p{r.person_id}" if r.person_id is not None else f"d{r.debtor_id}"
            out[key].append((int(r.id), r.assigned_user_id))
    return out


def balance(
    groups: dict[str, list[tuple[int, int | None]]], to: list[int], start: dict[int, int]
) -> dict[int, list[int]]:
    """Who gets which case: each group whole, kept with the collector that has most of it while that
    collector stays within its share, the rest (largest first) to whoever has least. `start` is the load
    each collector keeps besides these cases. Pure: returns collector -> case ids."""
    total = sum(len(g) for g in groups.values()) + sum(start.get(u, 0) for u in to)
    share = -(-total // len(to))
    load = {u: start.get(u, 0) for u in to}
    given: dict[int, list[int]] = {u: [] for u in to}
    left = []
    for key, cases in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        holders = [a for _i, a in cases if a in load]
        owner = max(set(holders), key=lambda a: (holders.count(a), -a)) if holders else None
        if owner is not None and load[owner] + len(cases) <= share:
            load[owner] += len(cases)
            given[owner].extend(i for i, _a in cases)
        else:
            left.append(key)
    for key in left:
        least = min(to, key=lambda u: (load[u], u))
        load[least] += len(groups[key])
        given[least].extend(i for i, _a in groups[key])
    return given


def _changes(
    groups: dict[str, list[tuple[int, int | None]]], given: dict[int, list[int]]
) -> dict[int | None, list[int]]:
    now_with = {i: a for cases in groups.values() for i, a in cases}
    return {
        u: sorted(i for i in ids if now_with[i] != u)
        for u, ids in given.items()
        if any(now_with[i] != u for i in ids)
    }


def rebalance(
    uow: UnitOfWork,
    viewer: Viewer,
    team_id: int | None = None,
    *,
    confirm: bool = False,
    now: datetime | None = None,
) -> Moved:
    """Evens the open cases of a team across its active collectors who are not away today, keeping each
    person's cases together (see `balance`)."""
    team, _name = team_for(uow, viewer, team_id)
    if confirm:
        uow.begin_write()
    clock = clock_at(now)
    people = [u for u, _n in team_collectors(uow, team)]
    present = [u for u in people if u not in away_on(uow, people, clock.today)]
    if not present:
        raise InvalidInput("No collector of this team is at work today")
    c = t.cases.c
    ids = [
        int(i)
        for i in uow.session.execute(
            select(c.id).where(c.assigned_user_id.in_(people), open_case(), case_scope(viewer))
        ).scalars()
    ]
    groups = _groups(uow, ids)
    moves = _changes(groups, balance(groups, present, {}))
    count = sum(len(v) for v in moves.values())
    if confirm and count:
        _move(uow, viewer, dict(moves), "workload.rebalanced", {"team_id": team}, now)
        uow.commit()
    return Moved(count, confirm, {k: len(v) for k, v in moves.items()})


@dataclass(frozen=True)
class Absence:
    """A collector away from `starts_on` to `ends_on` (both included, the floor's days)."""

    user_id: int
    starts_on: date
    ends_on: date
    note: str = ""
    confirm: bool = False
    now: datetime | None = None


def set_absence(uow: UnitOfWork, viewer: Viewer, ask: Absence) -> Moved:
    """Records the absence and moves the collector's cases due by the end of it (with the rest of each
    person's cases it holds) to the others of its team who are at work, by load."""
    require_supervisor(viewer)
    if ask.confirm:
        uow.begin_write()
    u = t.users.c
    row = uow.session.execute(select(u.team_id, u.role).where(u.id == ask.user_id)).first()
    if row is None or row.role != Role.COLLECTOR.value:
        raise NotFound("There is no such collector")
    if ask.ends_on < ask.starts_on:
        raise InvalidInput("An absence must end on or after the day it starts")
    if row.team_id is None:
        raise InvalidInput("This collector belongs to no team")
    team, _name = team_for(uow, viewer, row.team_id)
    others = [x for x, _n in team_collectors(uow, team) if x != ask.user_id]
    others = [x for x in others if x not in away_on(uow, others, ask.starts_on)]
    groups = _due_while_away(uow, viewer, ask)
    if groups and not others:
        raise InvalidInput("No one else of this team is at work to take these cases")
    moves = _changes(groups, balance(groups, others, _loads(uow, others))) if groups else {}
    count = sum(len(v) for v in moves.values())
    if ask.confirm:
        absence = uow.session.execute(
            insert(t.absences)
            .values(
                user_id=ask.user_id,
                starts_on=ask.starts_on,
                ends_on=ask.ends_on,
                note=ask.note.strip()[:200],
                set_by=viewer.user_id,
                set_at=ask.now or datetime.now(UTC),
            )
            .returning(t.absences.c.id)
        ).scalar_one()
        _move(
            uow,
            viewer,
            dict(moves),
            "workload.absence_set",
            {
                "team_id": team,
                "absence_id": int(absence),
                "user_id": ask.user_id,
                "starts_on": ask.starts_on.isoformat(),
                "ends_on": ask.ends_on.isoformat(),
            },
            ask.now,
        )
        uow.commit()
    return Moved(count, ask.confirm, {k: len(v) for k, v in moves.items()})


def _due_while_away(uow: UnitOfWork, viewer: Viewer, ask: Absence) -> dict[str, list[tuple[int, int | None]]]:
    """The collector's open cases due by the end of its absence (or never given a next action), grouped
    by person, each person with all of its cases the collector holds."""
    c = t.cases.c
    end = day_start(ask.ends_on + timedelta(days=1), floor_zone())
    due = or_(c.next_action_due_at.is_(None), c.next_action_due_at < end)
    mine = and_(c.assigned_user_id == ask.user_id, open_case(), case_scope(viewer))
    due_ids = [int(i) for i in uow.session.execute(select(c.id).where(mine, due)).scalars()]
    persons = _groups(uow, due_ids)
    held = [int(i) for i in uow.session.execute(select(c.id).where(mine)).scalars()]
    return {k: v for k, v in _groups(uow, held).items() if k in persons}


def _loads(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    c = t.cases.c
    rows = uow.session.execute(
        select(c.assigned_user_id, func.count())
        .where(c.assigned_user_id.in_(ids), open_case())
        .group_by(c.assigned_user_id)
    )
    return {int(k): int(n) for k, n in rows}


__all__ = ["Absence", "Moved", "Reassign", "balance", "chosen_cases", "reassign", "rebalance", "set_absence"]
