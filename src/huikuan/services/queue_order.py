"""Which cases a queue holds and in which order: the one query behind "my work today", the team view
and "next case" (services/queue.py), and the open balances the portfolio reads too.

A case is *workable* when its stage is not hold, dispute or closed, its debtor has not asked for contact
to cease, does not dispute the debt and is not deceased, and it has at least one open account. Today is
the floor's day (HUIKUAN_TIME_ZONE, services/clock.py), for the due window, the daily plan and days past
due alike, whatever the viewer's own zone.

The order (docs/queue-and-jobs.md):
0. for a collector, debtors who speak one of its languages (`users.languages`, else the language of its
   locale) before all others, so that "next case" never hands a Chinese-only collector an English
   speaker while Chinese speakers remain;
1. cases in today's daily plan (plan_rows, plan_date = today on the floor, an action other than `none`)
   first, by planned slot (earliest first, unslotted last), then by expected value (highest first);
2. then, and for every case when there is no plan yet, the default priority: `cases.priority` (highest
   first; a broken promise or a missed instalment raises it), then, for a collector, its own cases before
   its team's and the pool's, then a next action that is already due (earliest first) before one due
   later today, then one never set; then the open balance (largest first), then days past due (most
   first), then the case id (so that the order is total, and pages of it never overlap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, not_, or_, select, true

from huikuan.domain.days import day_start
from huikuan.domain.enums import Role
from huikuan.services.access import Viewer, case_scope, trained_for_vulnerability
from huikuan.services.case_filter import CaseFilter, sort_keys, where
from huikuan.services.clock import floor_today, floor_zone
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NOT_WORKABLE_STAGES = ("hold", "dispute", "closed")


@dataclass(frozen=True)
class Clock:
    now: datetime
    today: date  # the floor's day: the daily plan's date, and the day days past due count to
    start_of_day: datetime  # the start of the floor's today, in UTC: a next action due before it is overdue
    end_of_day: datetime  # the start of the floor's tomorrow, in UTC


def clock_at(now: datetime | None) -> Clock:
    """The instant, the floor's day at it and the end of that day."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    today = floor_today(instant)
    zone = floor_zone()
    return Clock(instant, today, day_start(today, zone), day_start(today + timedelta(days=1), zone))


def open_accounts() -> Any:
    """A subquery of the cases with an open account: their open balance, its currency and the oldest
    overdue date (from which days past due count)."""
    a = t.accounts.c
    return (
        select(
            a.case_id.label("case_id"),
            func.sum(a.balance).label("balance"),
            func.min(a.currency).label("currency"),
            func.min(a.overdue_since).label("overdue_since"),
        )
        .where(a.status == "open", a.case_id.is_not(None))
        .group_by(a.case_id)
        .subquery("open_accounts")
    )


def speaks(viewer: Viewer) -> tuple[str, ...]:
    """The debtor languages the viewer works in: `users.languages`, else the language of its own locale
    (zh_CN speaks zh, en speaks en)."""
    if viewer.languages:
        return viewer.languages
    return (viewer.locale.replace("-", "_").split("_")[0].lower() or "zh",)


def _language_first(viewer: Viewer) -> list[Any]:
    """A collector is given debtors it can speak to before any other, plan or no plan."""
    if viewer.role is not Role.COLLECTOR:
        return []
    return [case((t.debtors.c.language.in_(speaks(viewer)), 0), else_=1)]


def _own_first(viewer: Viewer) -> list[Any]:
    """At equal plan standing and priority, a collector's own cases come before its team's and the pool's."""
    if viewer.role is not Role.COLLECTOR:
        return []
    return [case((t.cases.c.assigned_user_id == viewer.user_id, 0), else_=1)]


def paused(now: datetime) -> Any:
    """The debtors with a hold in force that stops collection contact (hardship, bankruptcy, Breathing
    Space): their cases leave the queue until the hold ends or is ended (services/holds.py). A list of
    debtor ids (not a test per case), so that the queue looks it up once."""
    h = t.holds.c
    return select(h.debtor_id).where(
        h.kind.in_(("hardship", "bankruptcy", "breathing_space", "breathing_space_crisis")),
        h.ended_at.is_(None),
        or_(h.ends_at.is_(None), h.ends_at > now),
    )


def vulnerable() -> Any:
    """The debtors with an open vulnerability hold: only trained collectors see their cases in a queue."""
    h = t.holds.c
    return select(h.debtor_id).where(h.kind == "vulnerability", h.ended_at.is_(None))


def blocked() -> Any:
    """The debtors who asked for contact to cease, dispute the debt or are deceased: a list of debtor ids
    read from a partial index (ix_debtors_blocked), so that a queue's count reads `cases` alone."""
    d = t.debtors.c
    return select(d.id).where(or_(d.cease, d.disputed, d.deceased))


def workable(clock: Clock) -> list[Any]:
    """The WHERE clauses of a workable case (on `cases` alone), the viewer's scope aside: the case's own
    first, then the debtor lists."""
    c = t.cases.c
    return [
        c.open_accounts > 0,
        c.stage.not_in(NOT_WORKABLE_STAGES),
        c.debtor_id.not_in(blocked()),
        c.debtor_id.not_in(paused(clock.now)),
    ]


def _cases(
    viewer: Viewer,
    clock: Clock,
    columns: Sequence[Any],
    due_only: bool,
    narrow: CaseFilter | None,
    joined: bool,
) -> Select[Any]:
    """The workable cases in the viewer's scope, unordered; `joined`: with their debtor, creditor and
    today's plan row (a count needs none of them)."""
    c, d, p, cr = t.cases.c, t.debtors.c, t.plan_rows.c, t.creditors.c
    query = select(*columns).select_from(t.cases)
    if joined:
        planned = and_(p.case_id == c.id, p.plan_date == clock.today, p.action != "none")
        # `+ 0`: the cases drive the join (the scope or the plan's index picks them), each debtor found
        # by its key; without it SQLite reads every debtor first and looks its case up.
        query = (
            query.join(t.debtors, d.id == c.debtor_id + 0)
            .join(t.creditors, cr.id == c.creditor_id)
            .outerjoin(t.plan_rows, planned)
        )
    due = [or_(c.next_action_due_at.is_(None), c.next_action_due_at < clock.end_of_day)] if due_only else []
    # The debtor lists last: SQLite tests the clauses in this order, and the case's own are cheaper.
    plain, listed = workable(clock)[:2], workable(clock)[2:]
    return query.where(
        case_scope(viewer),
        *plain,
        *(where(narrow, clock.today, clock.start_of_day, clock.end_of_day) if narrow else []),
        *due,
        *listed,
        *([] if trained_for_vulnerability(viewer) else [c.debtor_id.not_in(vulnerable())]),
    )


def _after_plan(viewer: Viewer, clock: Clock) -> list[Any]:
    """The keys of the order after the plan's (step 2 above)."""
    c = t.cases.c
    return [
        c.priority.desc(),
        *_own_first(viewer),
        case((c.next_action_due_at <= clock.now, 0), (c.next_action_due_at.is_not(None), 1), else_=2),
        c.next_action_due_at.asc(),
        c.open_balance.desc(),
        c.open_overdue_since.asc().nulls_last(),
        c.id.asc(),
    ]


def in_order(
    viewer: Viewer,
    clock: Clock,
    columns: Sequence[Any],
    *,
    due_only: bool,
    narrow: CaseFilter | None = None,
    sort: str = "queue",
    counting: bool = False,
) -> Select[Any]:
    """The workable cases in the viewer's scope, in queue order, selecting `columns` (from `cases`,
    `debtors`, `creditors` and today's `plan_rows`), in one query that sorts them all.

    `narrow` filters them and `sort` puts another key before the queue's order (services/case_filter.py).
    The open balance, currency and oldest overdue date are the case's own (kept by triggers on
    `accounts`): no account is read. `counting=True` gives the same cases for a COUNT, on `cases` alone.
    """
    query = _cases(viewer, clock, columns, due_only, narrow, joined=not counting)
    if counting:
        return query
    p = t.plan_rows.c
    return query.order_by(
        *sort_keys(sort),
        *_language_first(viewer),
        case((p.id.is_not(None), 0), else_=1),
        p.slot_start.asc().nulls_last(),
        p.expected_value.desc().nulls_last(),
        *_after_plan(viewer, clock),
    )


def queue_parts(
    viewer: Viewer, clock: Clock, columns: Sequence[Any], *, due_only: bool, narrow: CaseFilter | None = None
) -> list[Select[Any]]:
    """The cases of `in_order(..., sort="queue")` as consecutive parts, each in the order an index gives:
    read one after the other, they are the same cases in the same order (while no plan is made ahead:
    `plans_ahead`)."""
    c, d = t.cases.c, t.debtors.c
    base = _cases(viewer, clock, columns, due_only, narrow, joined=True)
    today = and_(c.plan_day == clock.today, c.plan_live == true())
    after = _after_plan(viewer, clock)
    parts = [
        base.where(today, c.plan_slot.is_not(None)).order_by(c.plan_slot.asc(), c.plan_rank.asc(), *after),
        base.where(today, c.plan_slot.is_(None)).order_by(c.plan_rank.asc(), *after),
        base.where(or_(c.plan_day.is_(None), c.plan_day != clock.today, c.plan_live.is_(False))).order_by(
            *after
        ),
    ]
    if viewer.role is not Role.COLLECTOR:
        return parts
    speaks_it = d.language.in_(speaks(viewer))
    return [part.where(speaks_it) for part in parts] + [part.where(not_(speaks_it)) for part in parts]


def plans_ahead(uow: UnitOfWork, clock: Clock) -> bool:
    """Some case's latest plan row is of a day after today (found in the index ix_cases_plan)."""
    c = t.cases.c
    return uow.session.execute(select(c.id).where(c.plan_day > clock.today).limit(1)).first() is not None


def ordered(
    uow: UnitOfWork,
    viewer: Viewer,
    clock: Clock,
    columns: Sequence[Any],
    *,
    due_only: bool,
    narrow: CaseFilter | None = None,
    sort: str = "queue",
) -> list[Select[Any]]:
    """The queries that, read one after the other (`page_rows`), give the cases in queue order."""
    if sort == "queue" and not plans_ahead(uow, clock):
        return queue_parts(viewer, clock, columns, due_only=due_only, narrow=narrow)
    return [in_order(viewer, clock, columns, due_only=due_only, narrow=narrow, sort=sort)]


def page_rows(uow: UnitOfWork, parts: Sequence[Select[Any]], limit: int, offset: int = 0) -> list[Row[Any]]:
    """The rows `offset` to `offset + limit` of the parts read one after the other. A part is counted
    only when the page starts after its end."""
    rows: list[Row[Any]] = []
    skip = offset
    for part in parts:
        got = uow.session.execute(part.limit(limit - len(rows)).offset(skip)).all()
        rows += got
        if len(rows) >= limit:
            break
        if got:
            skip = 0
        elif skip:
            counted = select(func.count()).select_from(part.order_by(None).subquery())
            skip -= int(uow.session.execute(counted).scalar_one())
    return rows


__all__ = [
    "NOT_WORKABLE_STAGES",
    "Clock",
    "clock_at",
    "in_order",
    "open_accounts",
    "ordered",
    "page_rows",
    "queue_parts",
    "speaks",
    "workable",
]
