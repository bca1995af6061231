"""Promises to pay: making one on a case, and the job that finds them kept, partly kept or broken.

Rules (docs/negotiation.md):
- A promise is an exact amount (no more than the case's open balance) and a date from today to
  PROMISE_HORIZON_DAYS ahead, "today" in the floor's zone. A case has one pending promise at a time:
  a new one cancels the old (audited).
- `check_promises` resolves a promise once its grace day (the day after the due date, in the creditor's
  zone) has ended, from the payments allocated to the case's accounts dated from the day the promise
  was made to the end of the grace day. Imported payments carry a date, so the window is counted in
  whole local days. A broken or partly kept promise puts the case back at the head of the queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, insert, select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import CaseStage, PromiseStatus
from huikuan.domain.goals import Goal
from huikuan.domain.money import Money
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, visible_case
from huikuan.services.clock import floor_today
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

PROMISE_HORIZON_DAYS = 30  # a promise further away than this is not a promise but a plan
PROMISE_GRACE_DAYS = 1  # payments dated up to this many days after the due date still count
BROKEN_PRIORITY_BOOST = 50  # added to cases.priority: a broken promise comes first in the queue


# A case with nothing left to do has no next action at all (never a goal without a channel or a time).
NO_NEXT_ACTION = {
    "next_action_channel": None,
    "next_action_goal": None,
    "next_action_note": None,
    "next_action_due_at": None,
}

# Stages a payment check does not pull back into the queue: contact is stopped or the case is over.
QUIET_STAGES = (CaseStage.DISPUTE.value, CaseStage.HOLD.value, CaseStage.CLOSED.value)


def stage_unless(new: CaseStage, *kept: str) -> Any:
    """The case's stage becomes `new`, except a stage in `kept` (a dispute is not ended by a promise)."""
    stage = t.cases.c.stage
    return case((stage.in_(kept), stage), else_=new.value)


_AMOUNT = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d*)?$")
AMOUNT_MESSAGES = {
    "amount": (
        "Amount: enter an amount",
        "Amount: {value} is not a number",
        "Amount: {value} has more decimals than {currency} allows",
        "Amount: {value} must be more than zero",
    ),
    "total": (
        "Total: enter an amount",
        "Total: {value} is not a number",
        "Total: {value} has more decimals than {currency} allows",
        "Total: {value} must be more than zero",
    ),
    "first_payment": (
        "First payment: enter an amount",
        "First payment: {value} is not a number",
        "First payment: {value} has more decimals than {currency} allows",
        "First payment: {value} must be more than zero",
    ),
}


def parse_amount(text: str | None, currency: str, field: str = "amount") -> Money:
    """A positive amount typed by a user ("1200", "1,200.50"), exactly, in `currency`'s minor units."""
    missing, not_number, decimals, not_positive = AMOUNT_MESSAGES[field]
    value = (text or "").strip()
    if not value:
        raise InvalidInput(missing)
    if not _AMOUNT.match(value):
        raise InvalidInput(not_number, value=value)
    try:
        money = Money.parse(Decimal(value.replace(",", "")), currency)
    except InvalidOperation:
        raise InvalidInput(not_number, value=value) from None
    except ValueError:
        raise InvalidInput(decimals, value=value, currency=currency) from None
    if money.minor <= 0:
        raise InvalidInput(not_positive, value=value)
    return money


@dataclass(frozen=True)
class CaseMoney:
    """What a case owes now: the open balance in the creditor's currency, and the creditor's zone."""

    case_id: int
    creditor_id: int
    balance: int
    currency: str
    time_zone: str
    authority_policy: dict[str, Any]

    def money(self, minor: int) -> str:
        return str(Money(minor, self.currency))


def case_money(uow: UnitOfWork, case_id: int) -> CaseMoney:
    c, cr, a = t.cases.c, t.creditors.c, t.accounts.c
    row = uow.session.execute(
        select(c.id, c.creditor_id, cr.currency, cr.time_zone, cr.authority_policy)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one()
    # What may be asked: each open account's balance less the interest above the lawful cap (cn).
    lawful = case((a.balance > a.excess_interest, a.balance - a.excess_interest), else_=0)
    balance = uow.session.execute(
        select(func.coalesce(func.sum(lawful), 0)).where(
            a.case_id == case_id, a.status == "open", a.currency == row.currency
        )
    ).scalar_one()
    return CaseMoney(
        row.id, row.creditor_id, int(balance), row.currency, row.time_zone, dict(row.authority_policy or {})
    )


def paid_to_case(uow: UnitOfWork, case_id: int, start: datetime, end: datetime) -> int:
    """What payments dated in [start, end) brought to the case's accounts (their allocations); a payment
    reversed since brought nothing."""
    pa, p, a = t.payment_allocations.c, t.payments.c, t.accounts.c
    total = uow.session.execute(
        select(func.coalesce(func.sum(pa.amount), 0))
        .select_from(t.payment_allocations)
        .join(t.payments, p.id == pa.payment_id)
        .join(t.accounts, a.id == pa.account_id)
        .where(a.case_id == case_id, p.paid_at >= start, p.paid_at < end, p.status == "posted")
    ).scalar_one()
    return int(total)


@dataclass(frozen=True)
class PromiseTerms:
    """A promise's amount and date, checked against the case's balance and the floor's calendar."""

    amount: Money
    due: date
    zone: str  # the creditor's zone: the day after `due` begins there


def promise_terms(
    uow: UnitOfWork, case_id: int, *, amount: str, currency: str | None, due: date | None, now: datetime
) -> PromiseTerms:
    """Checks a promise to pay `amount` by `due` on the case; raises InvalidInput with the reason."""
    owed = case_money(uow, case_id)
    if currency and currency.strip().upper() != owed.currency:
        raise InvalidInput(
            "Currency: {currency} is not the currency of this case ({expected})",
            currency=currency,
            expected=owed.currency,
        )
    promised = parse_amount(amount, owed.currency, "amount")
    if owed.balance <= 0:
        raise InvalidInput("This case has no open balance to promise")
    if promised.minor > owed.balance:
        raise InvalidInput(
            "Amount: {value} is more than the open balance {balance}",
            value=str(promised),
            balance=owed.money(owed.balance),
        )
    if due is None:
        raise InvalidInput("Due date: enter the day the debtor will pay by")
    today = floor_today(now)
    if due < today:
        raise InvalidInput("Due date: {due} is in the past", due=due.isoformat())
    if due > today + timedelta(days=PROMISE_HORIZON_DAYS):
        raise InvalidInput(
            "Due date: {due} is more than {days} days away; agree a plan instead",
            due=due.isoformat(),
            days=PROMISE_HORIZON_DAYS,
        )
    return PromiseTerms(promised, due, owed.time_zone)


def take_promise(
    uow: UnitOfWork, user_id: int, case_id: int, terms: PromiseTerms, *, now: datetime, interaction_id: int
) -> int:
    """Records the promise made in the conversation `interaction_id` (a pending one is replaced) and
    sets the case's next action to checking the payment, in the caller's transaction; its id."""
    p = t.promises.c
    session = uow.session
    old = _cancel_pending(uow, user_id, case_id, now)
    new_id = int(
        session.execute(
            insert(t.promises)
            .values(
                case_id=case_id,
                amount=terms.amount.minor,
                currency=terms.amount.currency,
                due_date=terms.due,
                created_at=now,
                created_by=user_id,
                interaction_id=interaction_id,
                status=PromiseStatus.PENDING.value,
                paid_amount=0,
            )
            .returning(p.id)
        ).scalar_one()
    )
    amount, currency, due = terms.amount.minor, terms.amount.currency, terms.due.isoformat()
    detail = {"promise_id": new_id, "interaction_id": interaction_id, "replaces": old}
    detail |= {"amount": amount, "currency": currency, "due_date": due}
    record(uow.session, at=now, user_id=user_id, action="promise.made", entity="case", entity_id=case_id,
           detail=detail)  # fmt: skip
    _await_payment(uow, case_id, terms)
    return new_id


def _cancel_pending(uow: UnitOfWork, user_id: int, case_id: int, now: datetime) -> list[int]:
    """Cancels (and audits) the case's pending promises, which a new one replaces; their ids."""
    p = t.promises.c
    old = list(uow.session.execute(select(p.id).where(p.case_id == case_id, p.status == "pending")).scalars())
    if old:
        uow.session.execute(
            update(t.promises)
            .where(p.id.in_(old), p.status == "pending")
            .values(status=PromiseStatus.CANCELLED.value, resolved_at=now)
        )
    for old_id in old:
        record(uow.session, at=now, user_id=user_id, action="promise.cancelled", entity="promise",
               entity_id=old_id, detail={"case_id": case_id})  # fmt: skip
    return old


def _await_payment(uow: UnitOfWork, case_id: int, terms: PromiseTerms) -> None:
    """Sets the case's next action to checking the promised payment the day after it is due."""
    uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == case_id)
        .values(
            # A promise made while a plan runs (or in dispute, on hold) leaves the stage as it is.
            stage=stage_unless(CaseStage.PROMISED, *QUIET_STAGES, CaseStage.ARRANGEMENT.value),
            next_action_channel="call",
            next_action_goal=Goal.CHECK_PROMISED_PAYMENT.value,
            next_action_note=None,
            next_action_due_at=day_start(terms.due + timedelta(days=1), terms.zone),
        )
    )


@dataclass(frozen=True)
class Resolution:
    promise_id: int
    case_id: int
    status: PromiseStatus
    paid: int
    balance_left: int


def _resolutions(uow: UnitOfWork, now: datetime) -> list[Resolution]:
    """Every pending promise whose grace day has ended, with what was paid towards it."""
    p, c, cr = t.promises.c, t.cases.c, t.creditors.c
    # A cheap bound first (no zone is more than 14 hours from UTC); the exact local check follows.
    bound = now.date() - timedelta(days=PROMISE_GRACE_DAYS)
    rows = uow.session.execute(
        select(p.id, p.case_id, p.amount, p.due_date, p.created_at, cr.time_zone)
        .join(t.cases, c.id == p.case_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(p.status == "pending", p.due_date <= bound)
        .order_by(p.id)
    ).all()
    found = []
    for row in rows:
        end = day_start(row.due_date + timedelta(days=PROMISE_GRACE_DAYS + 1), row.time_zone)
        if now < end:
            continue
        made = row.created_at.astimezone(ZoneInfo(row.time_zone)).date()
        paid = paid_to_case(uow, row.case_id, day_start(made, row.time_zone), end)
        if paid >= row.amount:
            status = PromiseStatus.KEPT
        elif paid > 0:
            status = PromiseStatus.PARTLY_KEPT
        else:
            status = PromiseStatus.BROKEN
        found.append(Resolution(row.id, row.case_id, status, paid, case_money(uow, row.case_id).balance))
    return found


def check_promises(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The job: resolves each due promise exactly once, even when several processes run it at once."""
    now = now.astimezone(UTC)
    found = _resolutions(uow, now)
    uow.rollback()  # end the read: each resolution below is its own short write
    counts = {"kept": 0, "partly_kept": 0, "broken": 0}
    for r in found:
        claimed = uow.session.connection().execute(
            update(t.promises)
            .where(t.promises.c.id == r.promise_id, t.promises.c.status == "pending")
            .values(status=r.status.value, paid_amount=r.paid, resolved_at=now)
        )
        if claimed.rowcount != 1:
            uow.rollback()  # another run resolved it first
            continue
        after_resolution(uow, r, now)
        record(
            uow.session,
            at=now,
            user_id=None,
            action=f"promise.{r.status.value}",
            entity="case",
            entity_id=r.case_id,
            detail={"promise_id": r.promise_id, "paid_amount": r.paid},
        )
        uow.commit()
        counts[r.status.value] += 1
    return counts


def after_resolution(uow: UnitOfWork, r: Resolution, now: datetime) -> None:
    """What a resolved promise does to its case (left alone in dispute, on hold or closed)."""
    c = t.cases.c
    active = (c.id == r.case_id) & c.stage.not_in(QUIET_STAGES)
    if r.status is PromiseStatus.KEPT:
        if r.balance_left > 0:
            values: dict[str, Any] = {
                "stage": CaseStage.CONTACTING.value,
                "next_action_goal": Goal.PROMISE_KEPT_REST.value,
                "next_action_note": None,
            }
        else:
            values = {"stage": CaseStage.CLOSED.value, **NO_NEXT_ACTION}
        # Only while the case still waits on this promise (a plan or a new stage takes precedence).
        uow.session.execute(
            update(t.cases).where(active, c.stage == CaseStage.PROMISED.value).values(**values)
        )
        return
    goal = Goal.PROMISE_BROKEN if r.status is PromiseStatus.BROKEN else Goal.PROMISE_PARTLY_KEPT
    uow.session.execute(
        update(t.cases)
        .where(active)
        .values(
            stage=stage_unless(CaseStage.CONTACTING, CaseStage.ARRANGEMENT.value),
            next_action_channel="call",
            next_action_goal=goal.value,
            next_action_note=None,
            next_action_due_at=now,
            priority=c.priority + BROKEN_PRIORITY_BOOST,
        )
    )


@dataclass(frozen=True)
class PromiseView:
    """The case's promises for its panel: what is owed, the pending promise and the history."""

    case_id: int
    balance: int
    currency: str
    pending: Any | None
    history: list[Any]
    horizon: date
    today: date


def promises_of(uow: UnitOfWork, viewer: Viewer, case_id: int, *, now: datetime | None = None) -> PromiseView:
    """The promises of a case the viewer may see, newest first, with the user who took each."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    visible_case(uow, viewer, case_id)
    owed = case_money(uow, case_id)
    p, u = t.promises.c, t.users.c
    rows = uow.session.execute(
        select(t.promises, u.display_name.label("taken_by"))
        .select_from(t.promises.outerjoin(t.users, u.id == p.created_by))
        .where(p.case_id == case_id)
        .order_by(p.created_at.desc(), p.id.desc())
    ).all()
    pending = next((r for r in rows if r.status == PromiseStatus.PENDING.value), None)
    today = floor_today(now)
    return PromiseView(
        case_id,
        owed.balance,
        owed.currency,
        pending,
        list(rows),
        today + timedelta(days=PROMISE_HORIZON_DAYS),
        today,
    )
