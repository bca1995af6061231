"""Negotiation within authority: settlements and instalment plans, their approval, and the instalment job.

Rules (docs/negotiation.md):
- Full payment is offered first. A settlement or a plan may be proposed only once the collector has
  recorded that the debtor asked for one or cannot pay in full (`open_negotiation`).
- The proposer's role has an authority per creditor (creditors.authority_policy, defaults in
  services/creditors.py): a maximum discount and number of payments, a minimum first payment as a share
  of the total; an admin has no limit. Within it an offer is active at once; beyond it, it waits for a
  supervisor (or admin), who may approve only within their own authority and never their own offer.
- The schedule: the first payment, then equal payments every `every_days` days, the remainder of the
  division on the last one; exact integers of minor units summing to the total.
- `check_instalments` applies the payments dated from the day the arrangement became active to its
  instalments in order; an instalment still not fully paid INSTALMENT_GRACE_DAYS after its due date is
  missed, and a missed instalment breaks the arrangement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import ArrangementKind, ArrangementStatus, CaseStage, Role
from huikuan.domain.goals import Goal
from huikuan.domain.money import Money
from huikuan.errors import Conflict, Forbidden, InvalidInput, NotFound
from huikuan.services.access import Viewer, case_scope, case_to_work, require_supervisor, visible_case
from huikuan.services.clock import floor_today
from huikuan.services.creditors import DEFAULT_AUTHORITY
from huikuan.services.promises import (
    BROKEN_PRIORITY_BOOST,
    NO_NEXT_ACTION,
    QUIET_STAGES,
    case_money,
    paid_to_case,
    parse_amount,
    stage_unless,
)
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

NEGOTIATION_REASONS = ("asked", "cannot_pay")
FIRST_DUE_HORIZON_DAYS = 60  # the first payment of an offer falls within this many days
MIN_EVERY_DAYS, MAX_EVERY_DAYS = 7, 31
INSTALMENT_GRACE_DAYS = 3  # an instalment is missed when still unpaid this many days after its due date
LIMITS = ("max_discount_bp", "max_instalments", "min_first_payment_bp")
OPEN_STATUSES = (ArrangementStatus.AWAITING_APPROVAL.value, ArrangementStatus.ACTIVE.value)


@dataclass(frozen=True)
class Excess:
    """One limit an offer goes beyond: which, the limit, the offer's value, and by how much."""

    limit: str  # max_discount_bp, max_instalments or min_first_payment_bp
    allowed: int
    offered: int

    @property
    def by(self) -> int:
        return abs(self.offered - self.allowed)

    def to_dict(self) -> dict[str, int | str]:
        return {"limit": self.limit, "allowed": self.allowed, "offered": self.offered, "by": self.by}


@dataclass(frozen=True)
class Payment:
    seq: int
    due_date: date
    amount: int

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "due_date": self.due_date.isoformat(), "amount": self.amount}


@dataclass(frozen=True)
class Offer:
    """A proposed arrangement as the proposer and the approver see it."""

    id: int
    case_id: int
    kind: str
    status: str
    total: int
    currency: str
    balance_at_offer: int
    discount_bp: int
    schedule: list[Payment]
    exceeds: list[Excess] = field(default_factory=list)
    reason: str = ""
    proposed_by: int | None = None
    proposer_name: str = ""
    debtor_name: str = ""
    created_at: datetime | None = None
    decision_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        def amount(minor: int) -> str:
            return str(Money(minor, self.currency).amount)

        return {
            "id": self.id,
            "case_id": self.case_id,
            "kind": self.kind,
            "status": self.status,
            "total": amount(self.total),
            "currency": self.currency,
            "balance_at_offer": amount(self.balance_at_offer),
            "discount_bp": self.discount_bp,
            "schedule": [{**p.to_dict(), "amount": amount(p.amount)} for p in self.schedule],
            "exceeds": [e.to_dict() for e in self.exceeds],
            "reason": self.reason,
            "proposed_by": self.proposer_name,
            "proposed_by_id": self.proposed_by,
            "debtor": self.debtor_name,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "decision_note": self.decision_note,
        }


# --- authority -------------------------------------------------------------------------------------


def authority(policy: dict[str, Any], role: Role | str) -> dict[str, int] | None:
    """The limits of `role` under a creditor's policy; None for no limit (admin).

    A role or a limit missing from the creditor's policy takes the default of services/creditors.py;
    a role with no default (a read-only viewer) may offer nothing beyond full payment.
    """
    role = Role(role)
    if role is Role.ADMIN:
        return None
    default = DEFAULT_AUTHORITY.get(
        role.value, {"max_discount_bp": 0, "max_instalments": 1, "min_first_payment_bp": 10000}
    )
    given = policy.get(role.value) or {}
    return {name: int(given.get(name, default[name])) for name in LIMITS}


def discount_bp(balance: int, total: int) -> int:
    """(balance - total) / balance in basis points, rounded up so that a discount is never understated."""
    if balance <= 0 or total >= balance:
        return 0
    return -(-(balance - total) * 10000 // balance)


def exceeds(
    limits: dict[str, int] | None, discount: int, schedule: list[Payment], total: int
) -> list[Excess]:
    """The limits an offer goes beyond (empty: within authority). Compared exactly, in integers."""
    if limits is None:
        return []
    found = []
    if discount > limits["max_discount_bp"]:
        found.append(Excess("max_discount_bp", limits["max_discount_bp"], discount))
    if len(schedule) > limits["max_instalments"]:
        found.append(Excess("max_instalments", limits["max_instalments"], len(schedule)))
    first = schedule[0].amount
    if len(schedule) > 1 and first * 10000 < limits["min_first_payment_bp"] * total:
        share = first * 10000 // total
        found.append(Excess("min_first_payment_bp", limits["min_first_payment_bp"], share))
    return found


def build_schedule(
    total: int, count: int, first: int | None, first_due: date, every_days: int
) -> list[Payment]:
    """The first payment, then equal payments; the remainder of the division goes on the last one."""
    if count == 1:
        return [Payment(1, first_due, total)]
    first_amount = first if first is not None else total // count
    rest = total - first_amount
    each, remainder = divmod(rest, count - 1)
    amounts = [first_amount] + [each] * (count - 1)
    amounts[-1] += remainder
    return [Payment(k + 1, first_due + timedelta(days=every_days * k), a) for k, a in enumerate(amounts)]


# --- use cases -------------------------------------------------------------------------------------


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
    if kind not in (k.value for k in ArrangementKind):
        raise InvalidInput("Kind: choose a settlement or an instalment plan")
    owed = case_money(uow, case_id)
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
    if _open_arrangement(uow, case_id) is not None:
        raise Conflict("This case already has an offer awaiting approval or an active arrangement")

    schedule = build_schedule(amount, instalments, first, first_due, every_days)
    discount = discount_bp(owed.balance, amount)
    beyond = exceeds(authority(owed.authority_policy, viewer.role), discount, schedule, amount)
    status = ArrangementStatus.AWAITING_APPROVAL if beyond else ArrangementStatus.ACTIVE
    a = t.arrangements.c
    new_id = int(
        uow.session.execute(
            insert(t.arrangements)
            .values(
                case_id=case_id,
                kind=kind,
                total_amount=amount,
                currency=owed.currency,
                schedule=[p.to_dict() for p in schedule],
                discount_bp=discount,
                status=status.value,
                proposed_by=viewer.user_id,
                reason=reason.strip(),
                balance_at_offer=owed.balance,
                created_at=now,
                approved_by=None if beyond else viewer.user_id,
                approved_at=None if beyond else now,
                decided_at=None if beyond else now,
            )
            .returning(a.id)
        ).scalar_one()
    )
    record(
        uow.session,
        at=now,
        user_id=viewer.user_id,
        action="arrangement.proposed",
        entity="case",
        entity_id=case_id,
        detail={
            "arrangement_id": new_id,
            "kind": kind,
            "total": amount,
            "discount_bp": discount,
            "payments": len(schedule),
            "exceeds": [e.to_dict() for e in beyond],
        },
    )
    if not beyond:
        _activate(uow, new_id, case_id, schedule, owed.time_zone)
    uow.commit()
    return Offer(
        new_id,
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


def _open_arrangement(uow: UnitOfWork, case_id: int) -> int | None:
    a = t.arrangements.c
    found = uow.session.execute(
        select(a.id).where(a.case_id == case_id, a.status.in_(OPEN_STATUSES)).limit(1)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def _activate(uow: UnitOfWork, arrangement_id: int, case_id: int, schedule: list[Payment], zone: str) -> None:
    """Writes the instalments of an accepted arrangement and moves the case to the arrangement stage."""
    uow.session.execute(
        insert(t.instalments),
        [
            {
                "arrangement_id": arrangement_id,
                "seq": p.seq,
                "due_date": p.due_date,
                "amount": p.amount,
                "paid_amount": 0,
                "status": "pending",
            }
            for p in schedule
        ],
    )
    uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == case_id)
        .values(
            stage=stage_unless(CaseStage.ARRANGEMENT, *QUIET_STAGES),
            next_action_channel="call",
            next_action_goal=Goal.CHECK_INSTALMENT.value,
            next_action_note=None,
            next_action_due_at=day_start(schedule[0].due_date, zone),
        )
    )


def _schedule(stored: list[dict[str, Any]]) -> list[Payment]:
    return [Payment(int(p["seq"]), date.fromisoformat(p["due_date"]), int(p["amount"])) for p in stored]


def _offers(uow: UnitOfWork, where: Any) -> list[Offer]:
    a, u, c, d, cr = t.arrangements.c, t.users.c, t.cases.c, t.debtors.c, t.creditors.c
    rows = uow.session.execute(
        select(t.arrangements, u.display_name, u.role, d.name.label("debtor_name"), cr.authority_policy)
        .join(t.cases, c.id == a.case_id)
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .outerjoin(t.users, u.id == a.proposed_by)
        .where(where)
        .order_by(a.created_at, a.id)
    ).all()
    offers = []
    for r in rows:
        schedule = _schedule(r.schedule)
        beyond: list[Excess] = []
        if r.status == ArrangementStatus.AWAITING_APPROVAL.value:
            limits = authority(dict(r.authority_policy or {}), r.role or Role.COLLECTOR)
            beyond = exceeds(limits, r.discount_bp, schedule, r.total_amount)
        offers.append(
            Offer(
                r.id,
                r.case_id,
                r.kind,
                r.status,
                r.total_amount,
                r.currency,
                r.balance_at_offer,
                r.discount_bp,
                schedule,
                beyond,
                r.reason,
                r.proposed_by,
                r.display_name or "",
                r.debtor_name,
                r.created_at,
                r.decision_note,
            )
        )
    return offers


def arrangements_of(uow: UnitOfWork, viewer: Viewer, case_id: int) -> list[Offer]:
    """The case's arrangements, newest first, for its negotiation panel."""
    visible_case(uow, viewer, case_id)
    return list(reversed(_offers(uow, t.arrangements.c.case_id == case_id)))


def instalments_of(uow: UnitOfWork, arrangement_ids: list[int]) -> dict[int, list[Any]]:
    """The written instalments (with what was paid and their status) of accepted arrangements."""
    i = t.instalments.c
    rows = uow.session.execute(
        select(t.instalments).where(i.arrangement_id.in_(arrangement_ids)).order_by(i.arrangement_id, i.seq)
    ).all()
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.arrangement_id, []).append(row)
    return found


def approvals(uow: UnitOfWork, viewer: Viewer) -> list[Offer]:
    """The supervisor's approval queue: every offer awaiting approval on a case in scope, oldest first."""
    require_supervisor(viewer)
    a = t.arrangements.c
    return _offers(uow, (a.status == ArrangementStatus.AWAITING_APPROVAL.value) & case_scope(viewer))


def _awaiting(uow: UnitOfWork, viewer: Viewer, arrangement_id: int) -> Offer:
    require_supervisor(viewer)
    a = t.arrangements.c
    found = _offers(uow, (a.id == arrangement_id) & case_scope(viewer))
    if not found:
        raise NotFound("There is no offer {id}", id=arrangement_id)
    offer = found[0]
    if offer.status != ArrangementStatus.AWAITING_APPROVAL.value:
        raise Conflict("Offer {id} is no longer awaiting approval", id=arrangement_id)
    return offer


def approve(
    uow: UnitOfWork, viewer: Viewer, arrangement_id: int, note: str = "", *, now: datetime | None = None
) -> Offer:
    """Approves an offer beyond its proposer's authority; it becomes active with its instalments."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    offer = _awaiting(uow, viewer, arrangement_id)
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
    _activate(uow, arrangement_id, offer.case_id, offer.schedule, owed.time_zone)
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
    return _offers(uow, a.id == arrangement_id)[0]


def reject(
    uow: UnitOfWork, viewer: Viewer, arrangement_id: int, note: str, *, now: datetime | None = None
) -> Offer:
    """Rejects an offer; the case goes back to its proposer with the reason as the next action's goal."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    offer = _awaiting(uow, viewer, arrangement_id)
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
    return _offers(uow, a.id == arrangement_id)[0]


# --- the instalment job ----------------------------------------------------------------------------


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
    a, c, cr, i = t.arrangements.c, t.cases.c, t.creditors.c, t.instalments.c
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
    plans = []
    for r in rows:
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
        plans.append(plan)
    return plans


def check_instalments(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The job: applies payments to active arrangements' instalments; missed breaks, all paid completes.

    Safe when several processes run it at once: every change is a conditional UPDATE from the state it
    was read in, so each instalment and arrangement changes (and is counted) once.
    """
    now = now.astimezone(UTC)
    plans = _plans(uow, now)
    uow.rollback()  # end the read: each arrangement below is its own short write
    counts = {"paid": 0, "missed": 0, "broken": 0, "completed": 0}
    a, i, c = t.arrangements.c, t.instalments.c, t.cases.c
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
        active = (c.id == plan.case_id) & c.stage.not_in(QUIET_STAGES)
        if plan.outcome == "broken":
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
        elif plan.outcome == "completed":
            _complete(uow, plan, now)
        elif moved:
            _next_due(uow, plan)
        uow.commit()
    return counts


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


@dataclass(frozen=True)
class NegotiationView:
    """What the negotiation panel shows: the full balance, whether an offer may be made, the viewer's
    authority for this creditor (None: no limit), and the case's arrangements with their instalments."""

    case_id: int
    balance: int
    currency: str
    reason: str | None
    opened_at: datetime | None
    limits: dict[str, int] | None
    offers: list[Offer]
    instalments: dict[int, list[Any]]
    today: date
    may_offer: bool  # no offer is awaiting approval or active


def negotiation_of(
    uow: UnitOfWork, viewer: Viewer, case_id: int, *, now: datetime | None = None
) -> NegotiationView:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    case = visible_case(uow, viewer, case_id)
    owed = case_money(uow, case_id)
    offers = arrangements_of(uow, viewer, case_id)
    return NegotiationView(
        case_id,
        owed.balance,
        owed.currency,
        case.negotiation_reason,
        case.negotiation_opened_at,
        authority(owed.authority_policy, viewer.role),
        offers,
        instalments_of(uow, [o.id for o in offers]),
        floor_today(now),
        not any(o.status in OPEN_STATUSES for o in offers),
    )
