"""What a payment posted or reversed does beyond the ledger: promises kept at once, promises already
resolved judged again when a payment they counted is reversed.

A pending promise is kept the moment the case's payments since the day it was made cover it (the job
`promises` would find the same after the grace day). A reversal judges again every promise resolved from
a window that holds the reversed payment's day: one that is no longer covered becomes partly kept or
broken (audited `promise.reevaluated`), and the case goes back to the head of the queue as for any
broken promise. Instalments are judged again by the `instalments` job from the payments that remain.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import PromiseStatus
from huikuan.services.promises import (
    PROMISE_GRACE_DAYS,
    Resolution,
    after_resolution,
    case_money,
    paid_to_case,
)
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def after_payment(
    uow: UnitOfWork, case_id: int, paid_off: list[int], *, now: datetime, user_id: int | None
) -> tuple[int, ...]:
    """Keeps the case's pending promise if the payments since it was made cover it; the ids kept."""
    del paid_off  # the accounts paid off were ended by the caller
    p, cr, c = t.promises.c, t.creditors.c, t.cases.c
    rows = uow.session.execute(
        select(p.id, p.amount, p.created_at, p.due_date, cr.time_zone)
        .join(t.cases, c.id == p.case_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(p.case_id == case_id, p.status == PromiseStatus.PENDING.value)
    ).all()
    kept = []
    for row in rows:
        made = row.created_at.astimezone(ZoneInfo(row.time_zone)).date()
        end = day_start(row.due_date + timedelta(days=PROMISE_GRACE_DAYS + 1), row.time_zone)
        paid = paid_to_case(
            uow, case_id, day_start(made, row.time_zone), min(end, now + timedelta(seconds=1))
        )
        if paid < row.amount:
            continue
        claimed = uow.session.connection().execute(
            update(t.promises)
            .where(p.id == row.id, p.status == PromiseStatus.PENDING.value)
            .values(status=PromiseStatus.KEPT.value, paid_amount=paid, resolved_at=now)
        )
        if claimed.rowcount != 1:
            continue
        r = Resolution(row.id, case_id, PromiseStatus.KEPT, paid, case_money(uow, case_id).balance)
        after_resolution(uow, r, now)
        audit.record(
            uow.session,
            at=now,
            user_id=user_id,
            action="promise.kept",
            entity="case",
            entity_id=case_id,
            detail={"promise_id": row.id, "paid_amount": paid},
        )
        kept.append(int(row.id))
    return tuple(kept)


def after_reversal(
    uow: UnitOfWork, case_id: int, paid_at: datetime, *, now: datetime, user_id: int | None
) -> dict[str, int]:
    """Judges again the case's resolved promises whose window holds `paid_at`; counts by new status."""
    p, cr, c = t.promises.c, t.creditors.c, t.cases.c
    rows = uow.session.execute(
        select(p.id, p.amount, p.created_at, p.due_date, p.status, p.paid_amount, p.resolved_at, cr.time_zone)
        .join(t.cases, c.id == p.case_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(
            p.case_id == case_id,
            p.status.in_([PromiseStatus.KEPT.value, PromiseStatus.PARTLY_KEPT.value]),
        )
    ).all()
    counts = {"kept": 0, "partly_kept": 0, "broken": 0}
    for row in rows:
        start = day_start(row.created_at.astimezone(ZoneInfo(row.time_zone)).date(), row.time_zone)
        end = day_start(row.due_date + timedelta(days=PROMISE_GRACE_DAYS + 1), row.time_zone)
        end = min(end, row.resolved_at + timedelta(seconds=1)) if row.resolved_at else end
        if not (start <= paid_at < end):
            continue
        paid = paid_to_case(uow, case_id, start, end)
        if paid >= row.amount:
            status = PromiseStatus.KEPT
        elif paid > 0:
            status = PromiseStatus.PARTLY_KEPT
        else:
            status = PromiseStatus.BROKEN
        if status.value == row.status and paid == row.paid_amount:
            continue
        uow.session.execute(
            update(t.promises).where(p.id == row.id).values(status=status.value, paid_amount=paid)
        )
        if status is not PromiseStatus.KEPT:
            r = Resolution(row.id, case_id, status, paid, case_money(uow, case_id).balance)
            after_resolution(uow, r, now)
        audit.record(
            uow.session,
            at=now,
            user_id=user_id,
            action="promise.reevaluated",
            entity="case",
            entity_id=case_id,
            detail={"promise_id": row.id, "from": row.status, "to": status.value, "paid_amount": paid},
        )
        counts[status.value] += 1
    return counts
