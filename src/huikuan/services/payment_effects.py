"""What a payment posted or reversed does beyond the ledger: promises kept at once, promises already
resolved judged again when a payment they counted is reversed, the limitation date, and the paid-in-full
letter.

A pending promise is kept the moment the case's payments since the day it was made cover it (the job
`promises` would find the same after the grace day). A reversal judges again every promise resolved from
a window that holds the reversed payment's day: one that is no longer covered becomes partly kept or
broken (audited `promise.reevaluated`), and the case goes back to the head of the queue as for any
broken promise. Instalments are judged again by the `instalments` job from the payments that remain
(services/instalment_job.check_instalments: an instalment a reversed payment had paid is pending or
missed again).

A payment restarts the limitation period where the pack says so; a reversed one never did, so the
accounts' limitation dates are computed again either way (services/notices.py), and an account whose
last payment was the reversed one gets back its latest payment still standing (none: no date).

When a payment pays off the case's last open account, the debtor gets the paid-in-full letter
(services/paid_in_full.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import PromiseStatus
from huikuan.services import notices
from huikuan.services.fact_history import changing_facts
from huikuan.services.paid_in_full import paid_in_full, tell_paid_in_full
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
    """Keeps the case's pending promise if the payments since it was made cover it, and computes the
    accounts' limitation dates again; the ids kept."""
    del paid_off  # ended by the caller afterwards (after_paid_off)
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
    _refresh_limitation(uow, case_id, now=now, user_id=user_id)
    return tuple(kept)


def after_paid_off(
    uow: UnitOfWork, case_id: int, paid_off: list[int], *, now: datetime, user_id: int | None
) -> None:
    """Once the accounts paid off are ended (their queued messages cancelled): the paid-in-full letter
    when nothing is left open on the case."""
    if paid_off and paid_in_full(uow, case_id):
        tell_paid_in_full(uow, case_id, now=now, user_id=user_id)


def _refresh_limitation(uow: UnitOfWork, case_id: int, *, now: datetime, user_id: int | None) -> None:
    debtor = uow.session.execute(select(t.cases.c.debtor_id).where(t.cases.c.id == case_id)).scalar_one()
    with changing_facts(uow, [debtor], user_id=user_id, reason="limitation.payment", at=now):
        notices.refresh_case(uow.session.connection(), case_id)


def _restore_last_payment(uow: UnitOfWork, payment_id: int, zone: str) -> None:
    """Each account the reversed payment paid whose last payment it was: the latest payment still standing
    (by allocation), or none."""
    a, pa, p = t.accounts.c, t.payment_allocations.c, t.payments.c
    pay = uow.session.execute(select(p.paid_at, p.amount).where(p.id == payment_id)).one()
    day = pay.paid_at.astimezone(ZoneInfo(zone)).date()
    touched = select(pa.account_id).where(pa.payment_id == payment_id)
    rows = uow.session.execute(
        select(a.id).where(a.id.in_(touched), a.last_payment_date == day, a.last_payment_amount == pay.amount)
    ).scalars()
    for account_id in rows:
        latest = uow.session.execute(
            select(p.paid_at, p.amount)
            .join(t.payment_allocations, pa.payment_id == p.id)
            .where(pa.account_id == account_id, p.status == "posted")
            .order_by(p.paid_at.desc(), p.id.desc())
            .limit(1)
        ).one_or_none()
        uow.session.execute(
            update(t.accounts)
            .where(a.id == account_id)
            .values(
                last_payment_date=latest.paid_at.astimezone(ZoneInfo(zone)).date() if latest else None,
                last_payment_amount=latest.amount if latest else None,
            )
        )


def after_reversal(
    uow: UnitOfWork, case_id: int, payment_id: int, *, now: datetime, user_id: int | None
) -> dict[str, int]:
    """Judges again the case's resolved promises whose window holds the reversed payment's instant;
    counts by new status. Restores the accounts' last payment and their limitation dates."""
    p, cr, c = t.promises.c, t.creditors.c, t.cases.c
    paid_at = uow.session.execute(
        select(t.payments.c.paid_at).where(t.payments.c.id == payment_id)
    ).scalar_one()
    zone = uow.session.execute(
        select(cr.time_zone).join(t.cases, c.creditor_id == cr.id).where(c.id == case_id)
    ).scalar_one()
    _restore_last_payment(uow, payment_id, zone)
    _refresh_limitation(uow, case_id, now=now, user_id=user_id)
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
