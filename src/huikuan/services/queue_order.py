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

from sqlalchemy import Select, and_, case, func, or_, select

from huikuan.domain.days import day_start
from huikuan.domain.enums import Role
from huikuan.services.access import Viewer, case_scope, trained_for_vulnerability
from huikuan.services.case_filter import CaseFilter, sort_keys, where
from huikuan.services.clock import floor_today, floor_zone
from huikuan.storage import tables as t

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


def workable(clock: Clock) -> list[Any]:
    """The WHERE clauses of a workable case (on `cases` joined to `debtors`), the viewer's scope aside."""
    c, d = t.cases.c, t.debtors.c
    return [
        c.open_accounts > 0,
        c.stage.not_in(NOT_WORKABLE_STAGES),
        d.cease.is_(False),
        d.disputed.is_(False),
        d.deceased.is_(False),
        t.debtors.c.id.not_in(paused(clock.now)),
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
    `debtors`, `creditors` and today's `plan_rows`).

    `narrow` filters them and `sort` puts another key before the queue's order (services/case_filter.py).
    The open balance, currency and oldest overdue date are the case's own (kept by triggers on
    `accounts`): no account is read. `counting=True` gives the same cases for a COUNT, without the joins
    that cannot change their number (the creditor, today's plan row: one at most) nor the order.
    """
    c, d, p, cr = t.cases.c, t.debtors.c, t.plan_rows.c, t.creditors.c
    planned = and_(p.case_id == c.id, p.plan_date == clock.today, p.action != "none")
    # `+ 0`: the cases drive the join (the scope picks them), each debtor found by its key; without it
    # SQLite reads every debtor first and looks its case up, whatever the scope.
    query = select(*columns).select_from(t.cases).join(t.debtors, d.id == c.debtor_id + 0)
    if not counting:
        query = query.join(t.creditors, cr.id == c.creditor_id).outerjoin(t.plan_rows, planned)
    query = query.where(
        case_scope(viewer),
        *workable(clock),
        *([] if trained_for_vulnerability(viewer) else [d.id.not_in(vulnerable())]),
        *(where(narrow, clock.today, clock.start_of_day, clock.end_of_day) if narrow else []),
    )
    if due_only:
        query = query.where(or_(c.next_action_due_at.is_(None), c.next_action_due_at < clock.end_of_day))
    if counting:
        return query
    return query.order_by(
        *sort_keys(sort),
        *_language_first(viewer),
        case((p.id.is_not(None), 0), else_=1),
        p.slot_start.asc().nulls_last(),
        p.expected_value.desc().nulls_last(),
        c.priority.desc(),
        *_own_first(viewer),
        case((c.next_action_due_at <= clock.now, 0), (c.next_action_due_at.is_not(None), 1), else_=2),
        c.next_action_due_at.asc(),
        c.open_balance.desc(),
        c.open_overdue_since.asc().nulls_last(),
        c.id.asc(),
    )


__all__ = ["NOT_WORKABLE_STAGES", "Clock", "clock_at", "in_order", "open_accounts", "speaks", "workable"]
