"""Negotiation within authority: settlements and instalment plans, and their approval.

Rules (docs/negotiation.md):
- Full payment is offered first. A settlement or a plan may be proposed only once the collector has
  recorded that the debtor asked for one or cannot pay in full (`open_negotiation`).
- The proposer's role has an authority per creditor (creditors.authority_policy, defaults in
  services/creditors.py): a maximum discount and number of payments, a minimum first payment as a share
  of the total; an admin has no limit. Within it an offer is active at once; beyond it, it waits for a
  supervisor (or admin), who may approve only within their own authority and never their own offer.
- The terms and their arithmetic are in services/arrangement_terms.py, the writes in
  services/arrangement_writes.py, the reads in services/offers.py, and the instalment job in
  services/instalment_job.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from huikuan.domain.enums import ArrangementKind, ArrangementStatus, Role
from huikuan.domain.goals import Goal
from huikuan.errors import Conflict, Forbidden, InvalidInput
from huikuan.services.access import Viewer, case_to_work
from huikuan.services.arrangement_terms import (
    Offer,
    Payment,
    authority,
    build_schedule,
    discount_bp,
    exceeds,
)
from huikuan.services.arrangement_writes import activate, open_arrangement, write_offer
from huikuan.services.clock import floor_today
from huikuan.services.offers import awaiting_offer, offers_where
from huikuan.services.promises import CaseMoney, case_money, parse_amount
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

NEGOTIATION_REASONS = ("asked", "cannot_pay")
FIRST_DUE_HORIZON_DAYS = 60  # the first payment of an offer falls within this many days
MIN_EVERY_DAYS, MAX_EVERY_DAYS = 7, 31


def open_negotiation(
    uow: UnitOfWork, viewer: Viewer, case_id: int, *, reason: str, now: datetime | None = None
) -> None:
    """Records that the debtor asked for a settlement or a plan, or cannot pay in full."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    case = case_to_work(uow, viewer, case_id, now)
    if reason not in NEGOTIATION_REASONS:
        raise InvalidInput("Reason: choose whether the debtor asked for an offer or cannot pay in full")
    uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == case_id)
        .values(negotiation_reason=reason, negotiation_opened_at=case.negotiation_opened_at or now)
    )
    record(
        uow.session,
        at=now,
        user_id=viewer.user_id,
        action="negotiation.opened",
        entity="case",
        entity_id=case_id,
        detail={"reason": reason},
    )
    uow.commit()


def propose_arrangement(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    kind: str,
    total: str,
    instalments: int = 1,
    first_payment: str | None = None,
    first_due: date,
    every_days: int = 30,
    reason: str = "",
    now: datetime | None = None,
) -> Offer:
    """Proposes a settlement or a plan: active at once within the proposer's authority, else awaiting."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    case = case_to_work(uow, viewer, case_id, now)
    if case.negotiation_reason is None:
        raise InvalidInput(
            "Offer full payment first: record that the debtor asked for a settlement or cannot pay in full"
        )
    owed = case_money(uow, case_id)
    amount, first = _checked_amounts(owed, kind, total, instalments, first_payment)
    _check_dates(first_due, instalments, every_days, now)
    if open_arrangement(uow, case_id) is not None:
        raise Conflict("This case already has an offer awaiting approval or an active arrangement")

    schedule = build_schedule(amount, instalments, first, first_due, every_days)
    offer = _priced_offer(viewer, case_id, owed, kind, amount, schedule, reason, now)
    new_id = write_offer(uow, offer, now)
    if not offer.exceeds:
        activate(uow, new_id, case_id, schedule, owed.time_zone)
    uow.commit()
    return replace(offer, id=new_id)


def _priced_offer(
    viewer: Viewer,
    case_id: int,
    owed: CaseMoney,
    kind: str,
    amount: int,
    schedule: list[Payment],
    reason: str,
    now: datetime,
) -> Offer:
    """The offer with its discount on the balance, and whether it goes beyond the proposer's authority
    (then it awaits approval; else it is active at once)."""
    discount = discount_bp(owed.balance, amount)
    beyond = exceeds(authority(owed.authority_policy, viewer.role), discount, schedule, amount)
    status = ArrangementStatus.AWAITING_APPROVAL if beyond else ArrangementStatus.ACTIVE
    return Offer(
        0,
        case_id,
        kind,
        status.value,
        amount,
        owed.currency,
        owed.balance,
        discount,
        schedule,
        beyond,
        reason.strip(),
        viewer.user_id,
        viewer.display_name,
        created_at=now,
    )


def _checked_amounts(
    owed: CaseMoney, kind: str, total: str, instalments: int, first_payment: str | None
) -> tuple[int, int | None]:
    """The offer's total and first payment in minor units, once checked against the open balance."""
    if kind not in (k.value for k in ArrangementKind):
        raise InvalidInput("Kind: choose a settlement or an instalment plan")
    amount = parse_amount(total, owed.currency, "total").minor
    if owed.balance <= 0:
        raise InvalidInput("This case has no open balance to negotiate")
    if amount > owed.balance:
        raise InvalidInput(
            "Total: {value} is more than the open balance {balance}",
            value=owed.money(amount),
            balance=owed.money(owed.balance),
        )
    if kind == ArrangementKind.INSTALMENT.value and instalments < 2:
        raise InvalidInput("Instalments: a plan has at least 2 payments")
    if instalments < 1:
        raise InvalidInput("Instalments: an offer has at least 1 payment")
    if instalments > 120:
        raise InvalidInput("Instalments: {count} payments are too many", count=instalments)
    first: int | None = None
    if first_payment is not None and first_payment.strip():
        first = parse_amount(first_payment, owed.currency, "first_payment").minor
        if instalments == 1 and first != amount:
            raise InvalidInput("First payment: with a single payment it is the whole total")
        if first > amount:
            raise InvalidInput("First payment: {value} is more than the total", value=owed.money(first))
    if instalments > 1:
        rest = amount - (first if first is not None else amount // instalments)
        if rest < instalments - 1:
            raise InvalidInput(
                "First payment: it leaves too little for the other {count} payments", count=instalments - 1
            )
    return amount, first


def _check_dates(first_due: date, instalments: int, every_days: int, now: datetime) -> None:
    """The first payment falls within the horizon, the others at a pace the rules allow."""
    today = floor_today(now)
    if first_due < today:
        raise InvalidInput("First due date: {due} is in the past", due=first_due.isoformat())
    if first_due > today + timedelta(days=FIRST_DUE_HORIZON_DAYS):
        raise InvalidInput(
            "First due date: {due} is more than {days} days away",
            due=first_due.isoformat(),
            days=FIRST_DUE_HORIZON_DAYS,
        )
    if instalments > 1 and not MIN_EVERY_DAYS <= every_days <= MAX_EVERY_DAYS:
        raise InvalidInput(
            "Every: payments fall every {low} to {high} days", low=MIN_EVERY_DAYS, high=MAX_EVERY_DAYS
        )


def approve(
    uow: UnitOfWork, viewer: Viewer, arrangement_id: int, note: str = "", *, now: datetime | None = None
) -> Offer:
    """Approves an offer beyond its proposer's authority; it becomes active with its instalments."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    offer = awaiting_offer(uow, viewer, arrangement_id)
    if offer.proposed_by == viewer.user_id:
        raise Forbidden("You may not approve your own offer: another supervisor must")
    owed = case_money(uow, offer.case_id)
    beyond = exceeds(
        authority(owed.authority_policy, viewer.role), offer.discount_bp, offer.schedule, offer.total
    )
    if beyond:
        raise Forbidden("This offer is beyond your own authority too: an administrator must approve it")
    if offer.schedule[0].due_date < floor_today(now):
        raise Conflict(
            "The first payment date of offer {id} has passed: reject it and propose a new one",
            id=arrangement_id,
        )
    a = t.arrangements.c
    claimed = uow.session.connection().execute(
        update(t.arrangements)
        .where(a.id == arrangement_id, a.status == ArrangementStatus.AWAITING_APPROVAL.value)
        .values(
            status=ArrangementStatus.ACTIVE.value,
            approved_by=viewer.user_id,
            approved_at=now,
            decided_at=now,
            decision_note=note.strip(),
        )
    )
    if claimed.rowcount != 1:
        uow.rollback()
        raise Conflict("Offer {id} is no longer awaiting approval", id=arrangement_id)
    activate(uow, arrangement_id, offer.case_id, offer.schedule, owed.time_zone)
    record(
        uow.session,
        at=now,
        user_id=viewer.user_id,
        action="arrangement.approved",
        entity="case",
        entity_id=offer.case_id,
        detail={"arrangement_id": arrangement_id},  # the note stays on the arrangement
    )
    uow.commit()
    return offers_where(uow, a.id == arrangement_id)[0]


def reject(
    uow: UnitOfWork, viewer: Viewer, arrangement_id: int, note: str, *, now: datetime | None = None
) -> Offer:
    """Rejects an offer; the case goes back to its proposer with the reason as the next action's goal."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    offer = awaiting_offer(uow, viewer, arrangement_id)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Note: say why the offer is rejected")
    a, c = t.arrangements.c, t.cases.c
    claimed = uow.session.connection().execute(
        update(t.arrangements)
        .where(a.id == arrangement_id, a.status == ArrangementStatus.AWAITING_APPROVAL.value)
        .values(
            status=ArrangementStatus.REJECTED.value,
            approved_by=viewer.user_id,
            decided_at=now,
            decision_note=note,
        )
    )
    if claimed.rowcount != 1:
        uow.rollback()
        raise Conflict("Offer {id} is no longer awaiting approval", id=arrangement_id)
    values: dict[str, Any] = {
        "next_action_channel": "call",
        "next_action_goal": Goal.OFFER_REJECTED.value,
        "next_action_note": note[:200] or None,
        "next_action_due_at": now,
    }
    uow.session.execute(update(t.cases).where(c.id == offer.case_id).values(**values))
    # An unassigned case goes to the collector who made the offer, so that the answer reaches them.
    proposer = t.users.c
    is_collector = (
        select(proposer.id)
        .where(proposer.id == offer.proposed_by, proposer.role == Role.COLLECTOR.value)
        .exists()
    )
    uow.session.execute(
        update(t.cases)
        .where(c.id == offer.case_id, c.assigned_user_id.is_(None), is_collector)
        .values(assigned_user_id=offer.proposed_by)
    )
    record(
        uow.session,
        at=now,
        user_id=viewer.user_id,
        action="arrangement.rejected",
        entity="case",
        entity_id=offer.case_id,
        detail={"arrangement_id": arrangement_id},  # the note stays on the arrangement
    )
    uow.commit()
    return offers_where(uow, a.id == arrangement_id)[0]


# --- the instalment job ----------------------------------------------------------------------------
