"""The collector's queue: "my work today" and the team view.

"My work today" is the workable cases in the viewer's scope (services/access.py `case_scope`) whose next
action is due by the end of the floor's day (or was never set), in queue order; the team view is every
workable case in a supervisor's scope, due or not. Which cases are workable and the order are in
services/queue_order.py. A creditor's viewer has no work: it reads its creditor's cases on its portfolio
(services/portfolio.py).

The lists are paged: `queue_page` gives one page with the true total (a COUNT over the same filter).

Claiming the next case, keeping and giving back a claim: services/queue_claims.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case

from huikuan.domain.days import days_past_due
from huikuan.services.access import Viewer, may_take, require_supervisor, require_writer
from huikuan.services.case_filter import CaseFilter
from huikuan.services.paging import Paging, paging
from huikuan.services.queue_order import Clock, clock_at, in_order, ordered, page_rows
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 100  # rows of a queue page unless asked otherwise
MAX_PER_PAGE = 1000


@dataclass(frozen=True)
class QueueItem:
    """One line of a queue: what a collector needs to choose the case, and who holds it now."""

    case_id: int
    debtor_name: str
    creditor_name: str  # what the collector reads; the code is a hint beside it
    creditor_code: str
    balance: int  # minor units of `currency`, open accounts only
    currency: str
    days_past_due: int
    stage: str
    next_action_channel: str | None
    next_action_goal: str | None
    next_action_due_at: datetime | None
    due_now: bool  # the next action's time has come (or none was ever set)
    overdue: bool  # the next action was due on an earlier day of the floor's and is still not done
    planned_action: str | None  # today's plan, when the case is in it
    planned_slot: datetime | None
    claimed_by: int | None  # the holder of an unexpired claim
    claimed_by_name: str | None
    claim_expires_at: datetime | None
    mine: bool  # the claim is the viewer's
    may_take: bool  # no one holds it and the viewer may take it (services/claims.py `take_case`)

    def to_dict(self) -> dict[str, Any]:
        from huikuan.domain.money import Money

        return {
            "case_id": self.case_id,
            "debtor_name": self.debtor_name,
            "creditor": {"code": self.creditor_code, "name": self.creditor_name},
            "creditor_code": self.creditor_code,
            "balance": str(Money(self.balance, self.currency).amount),
            "currency": self.currency,
            "days_past_due": self.days_past_due,
            "stage": self.stage,
            "next_action": {
                "channel": self.next_action_channel,
                "goal": self.next_action_goal,
                "due_at": self.next_action_due_at.isoformat() if self.next_action_due_at else None,
                "due_now": self.due_now,
                "overdue": self.overdue,
            },
            "planned": (
                {
                    "action": self.planned_action,
                    "slot_start": self.planned_slot.isoformat() if self.planned_slot else None,
                }
                if self.planned_action
                else None
            ),
            "claim": (
                {
                    "user_id": self.claimed_by,
                    "name": self.claimed_by_name,
                    "expires_at": self.claim_expires_at.isoformat() if self.claim_expires_at else None,
                    "mine": self.mine,
                }
                if self.claimed_by is not None
                else None
            ),
            "may_take": self.may_take,
        }


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue, and where it sits: `paging.total` is every case of the list, not the page's."""

    items: list[QueueItem]
    paging: Paging

    def to_dict(self) -> dict[str, Any]:
        return {"items": [item.to_dict() for item in self.items], **self.paging.to_dict()}


@dataclass(frozen=True)
class QueueQuery:
    """Which queue and how: the team view or "my work today", a filter, a sort order, a page."""

    team: bool = False
    narrow: CaseFilter | None = None
    sort: str = "queue"
    page: int = 1
    per_page: int = PER_PAGE


def _items(
    uow: UnitOfWork, viewer: Viewer, clock: Clock, ask: QueueQuery, *, limit: int, offset: int = 0
) -> list[QueueItem]:
    """One query: the cases with their debtor, creditor, open balance, plan row and holder."""
    c, d, p, cr = t.cases.c, t.debtors.c, t.plan_rows.c, t.creditors.c
    holder = t.users.alias("holder")
    active = and_(c.claimed_by.is_not(None), c.claim_expires_at >= clock.now)
    columns = [
        c.id,
        d.name.label("debtor_name"),
        cr.name.label("creditor_name"),
        cr.code.label("creditor_code"),
        c.open_balance.label("balance"),
        c.open_currency.label("currency"),
        c.open_overdue_since.label("overdue_since"),
        c.stage,
        c.next_action_channel,
        c.next_action_goal,
        c.next_action_due_at,
        c.assigned_user_id,
        p.action.label("planned_action"),
        p.slot_start.label("planned_slot"),
        case((active, c.claimed_by), else_=None).label("claimed_by"),
        case((active, holder.c.display_name), else_=None).label("claimed_by_name"),
        case((active, c.claim_expires_at), else_=None).label("claim_expires_at"),
    ]
    parts = ordered(uow, viewer, clock, columns, due_only=not ask.team, narrow=ask.narrow, sort=ask.sort)
    rows = page_rows(
        uow, [part.outerjoin(holder, holder.c.id == c.claimed_by) for part in parts], limit, offset
    )
    return [
        QueueItem(
            case_id=r.id,
            debtor_name=r.debtor_name,
            creditor_name=r.creditor_name,
            creditor_code=r.creditor_code,
            balance=int(r.balance or 0),
            currency=r.currency or "",
            days_past_due=days_past_due(r.overdue_since, clock.today),
            stage=r.stage,
            next_action_channel=r.next_action_channel,
            next_action_goal=r.next_action_goal,
            next_action_due_at=r.next_action_due_at,
            due_now=r.next_action_due_at is None or r.next_action_due_at <= clock.now,
            overdue=r.next_action_due_at is not None and r.next_action_due_at < clock.start_of_day,
            planned_action=r.planned_action,
            planned_slot=r.planned_slot,
            claimed_by=r.claimed_by,
            claimed_by_name=r.claimed_by_name,
            claim_expires_at=r.claim_expires_at,
            mine=r.claimed_by == viewer.user_id,
            may_take=may_take(viewer, r.assigned_user_id, r.claimed_by),
        )
        for r in rows
    ]


def my_work(
    uow: UnitOfWork, viewer: Viewer, *, now: datetime | None = None, limit: int = PER_PAGE
) -> list[QueueItem]:
    """ "My work today": the first `limit` workable cases in the viewer's scope due by the end of the
    floor's day, in queue order (the daily plan, else the default priority). A read-only viewer has none
    (Forbidden): its cases are on its portfolio."""
    require_writer(viewer)
    return _items(uow, viewer, clock_at(now), QueueQuery(), limit=limit)


def team_queue(
    uow: UnitOfWork, viewer: Viewer, *, now: datetime | None = None, limit: int = PER_PAGE
) -> list[QueueItem]:
    """A supervisor's view: the first `limit` workable cases in its scope, due or not, in queue order,
    with their holders."""
    require_supervisor(viewer)
    return _items(uow, viewer, clock_at(now), QueueQuery(team=True), limit=limit)


def queue_page(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    team: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
    ask: QueueQuery | None = None,
) -> QueuePage:
    """One page of "my work today" (or, `team=True`, of a supervisor's team view) and the true number of
    cases in it. Pages follow the queue order, which ends on the case id, so they never overlap and
    together hold every case. A page past the end gives the last one. `ask`, when given, says all of it
    (the team view, the filter, the sort order and the page) instead of `team`, `page` and `per_page`."""
    ask = ask or QueueQuery(team=team, page=page, per_page=per_page)
    if ask.team:
        require_supervisor(viewer)
    else:
        require_writer(viewer)
    clock = clock_at(now)
    everything = in_order(
        viewer, clock, [t.cases.c.id], due_only=not ask.team, narrow=ask.narrow, counting=True
    )
    where = paging(uow, everything, ask.page, ask.per_page, most=MAX_PER_PAGE)
    items = _items(uow, viewer, clock, ask, limit=where.per_page, offset=where.offset)
    return QueuePage(items, where)


__all__ = ["QueueItem", "QueuePage", "QueueQuery", "may_take", "my_work", "queue_page", "team_queue"]
