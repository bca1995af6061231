"""The instalment job: applies payments to active arrangements' instalments, breaks or completes them.

`check_instalments` applies the payments dated from the day the arrangement became active to its
instalments in order; an instalment still not fully paid INSTALMENT_GRACE_DAYS after its due date is
missed, and a missed instalment breaks the arrangement (docs/negotiation.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import ArrangementStatus, CaseStage
from huikuan.domain.goals import Goal
from huikuan.services.promises import BROKEN_PRIORITY_BOOST, NO_NEXT_ACTION, QUIET_STAGES, paid_to_case
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

INSTALMENT_GRACE_DAYS = 3  # an instalment is missed when still unpaid this many days after its due date


@dataclass
class _Plan:
    arrangement_id: int
    case_id: int
    kind: str
    discounted: bool
    zone: str
    # (instalment id, seq, due, amount, old paid, old status, new paid, new status)
    rows: list[tuple[int, int, date, int, int, str, int, str]]
    outcome: str  # active, broken or completed
    missed_seq: int | None = None


def _plans(uow: UnitOfWork, now: datetime) -> list[_Plan]:
    """Every active arrangement with what its instalments become under the payments made so far."""
    a, c, cr = t.arrangements.c, t.cases.c, t.creditors.c
    rows = uow.session.execute(
        select(
            a.id,
            a.case_id,
            a.kind,
            a.total_amount,
            a.balance_at_offer,
            a.approved_at,
            a.created_at,
            cr.time_zone,
        )
        .join(t.cases, c.id == a.case_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(a.status == ArrangementStatus.ACTIVE.value)
        .order_by(a.id)
    ).all()
    return [_plan_of(uow, r, now) for r in rows]


def _plan_of(uow: UnitOfWork, r: Any, now: datetime) -> _Plan:
    """Applies the payments made since the arrangement became active to its instalments, in order."""
    i = t.instalments.c
    zone = ZoneInfo(r.time_zone)
    activated = (r.approved_at or r.created_at or now).astimezone(zone).date()
    today = now.astimezone(zone).date()
    paid = paid_to_case(uow, r.case_id, day_start(activated, r.time_zone), now)
    parts = uow.session.execute(
        select(i.id, i.seq, i.due_date, i.amount, i.paid_amount, i.status)
        .where(i.arrangement_id == r.id)
        .order_by(i.seq)
    ).all()
    left = paid
    plan = _Plan(r.id, r.case_id, r.kind, r.total_amount < r.balance_at_offer, r.time_zone, [], "active")
    for part in parts:
        applied = min(part.amount, left)
        left -= applied
        if applied >= part.amount:
            status = "paid"
        elif today > part.due_date + timedelta(days=INSTALMENT_GRACE_DAYS):
            status = "missed"
            plan.missed_seq = plan.missed_seq or part.seq
        elif applied > 0:
            status = "partly_paid"
        else:
            status = "pending"
        plan.rows.append(
            (
                part.id,
                part.seq,
                part.due_date,
                part.amount,
                part.paid_amount,
                part.status,
                applied,
                status,
            )
        )
    if plan.missed_seq is not None:
        plan.outcome = "broken"
    elif parts and all(row[7] == "paid" for row in plan.rows):
        plan.outcome = "completed"
    return plan


def check_instalments(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The job: applies payments to active arrangements' instalments; missed breaks, all paid completes.

    Safe when several processes run it at once: every change is a conditional UPDATE from the state it
    was read in, so each instalment and arrangement changes (and is counted) once.
    """
    now = now.astimezone(UTC)
    plans = _plans(uow, now)
    uow.rollback()  # end the read: each arrangement below is its own short write
    counts = {"paid": 0, "missed": 0, "broken": 0, "completed": 0}
    a, i = t.arrangements.c, t.instalments.c
    for plan in plans:
        if plan.outcome != "active":
            final = (
                ArrangementStatus.BROKEN.value
                if plan.outcome == "broken"
                else ArrangementStatus.COMPLETED.value
            )
            claimed = uow.session.connection().execute(
                update(t.arrangements)
                .where(a.id == plan.arrangement_id, a.status == ArrangementStatus.ACTIVE.value)
                .values(status=final)
            )
            if claimed.rowcount != 1:
                uow.rollback()  # another run finished it
                continue
            counts[plan.outcome] += 1
        moved = False
        for inst_id, _seq, _due, _amount, old_paid, old_status, new_paid, new_status in plan.rows:
            if (old_paid, old_status) == (new_paid, new_status):
                continue
            changed = uow.session.connection().execute(
                update(t.instalments)
                .where(i.id == inst_id, i.paid_amount == old_paid, i.status == old_status)
                .values(paid_amount=new_paid, status=new_status)
            )
            if changed.rowcount != 1:
                continue  # another run applied it
            moved = True
            if new_status in ("paid", "missed") and old_status != new_status:
                counts[new_status] += 1
        if plan.outcome == "broken":
            _break(uow, plan, now)
        elif plan.outcome == "completed":
            _complete(uow, plan, now)
        elif moved:
            _next_due(uow, plan)
        uow.commit()
    return counts


def _break(uow: UnitOfWork, plan: _Plan, now: datetime) -> None:
    """A broken arrangement: the case goes back to contacting, first in the queue, to call the debtor."""
    c = t.cases.c
    active = (c.id == plan.case_id) & c.stage.not_in(QUIET_STAGES)
    uow.session.execute(
        update(t.cases)
        .where(active)
        .values(
            stage=CaseStage.CONTACTING.value,
            next_action_channel="call",
            next_action_goal=Goal.INSTALMENTS_BROKEN.value,
            next_action_note=None,
            next_action_due_at=now,
            priority=c.priority + BROKEN_PRIORITY_BOOST,
        )
    )
    record(
        uow.session,
        at=now,
        user_id=None,
        action="arrangement.broken",
        entity="case",
        entity_id=plan.case_id,
        detail={"arrangement_id": plan.arrangement_id, "missed_seq": plan.missed_seq},
    )


def _complete(uow: UnitOfWork, plan: _Plan, now: datetime) -> None:
    """A completed arrangement: a discounted one settles the case's open accounts (balances untouched)."""
    c, acc = t.cases.c, t.accounts.c
    if plan.discounted:
        uow.session.execute(
            update(t.accounts)
            .where(acc.case_id == plan.case_id, acc.status == "open")
            .values(status="settled")
        )
    open_left = uow.session.execute(
        select(acc.id).where(acc.case_id == plan.case_id, acc.status == "open").limit(1)
    ).first()
    values: dict[str, Any] = (
        {
            "stage": CaseStage.CONTACTING.value,
            "next_action_channel": "call",
            "next_action_goal": Goal.ARRANGEMENT_COMPLETED.value,
            "next_action_note": None,
            "next_action_due_at": now,
        }
        if open_left
        else {"stage": CaseStage.CLOSED.value, **NO_NEXT_ACTION}
    )
    uow.session.execute(
        update(t.cases).where(c.id == plan.case_id, c.stage == CaseStage.ARRANGEMENT.value).values(**values)
    )
    record(
        uow.session,
        at=now,
        user_id=None,
        action="arrangement.completed",
        entity="case",
        entity_id=plan.case_id,
        detail={"arrangement_id": plan.arrangement_id, "settled": plan.discounted},
    )


def _next_due(uow: UnitOfWork, plan: _Plan) -> None:
    """While a plan runs, the case's next action is on the due date of the next instalment not yet paid."""
    unpaid = [row for row in plan.rows if row[7] != "paid"]
    if not unpaid:
        return
    c = t.cases.c
    uow.session.execute(
        update(t.cases)
        .where(
            c.id == plan.case_id,
            c.stage == CaseStage.ARRANGEMENT.value,
            c.next_action_goal == Goal.CHECK_INSTALMENT.value,
        )
        .values(next_action_due_at=day_start(unpaid[0][2], plan.zone))
    )
