"""Writing arrangements: a new offer and its audit, the case's open one, and the instalments of an accepted
one with the case moved to its arrangement stage. Shared by the floor's negotiation (services/negotiation.py)
and the debtor's own page (services/debtor_arrangements.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from huikuan.domain.days import day_start
from huikuan.domain.enums import CaseStage
from huikuan.domain.goals import Goal
from huikuan.services.arrangement_terms import Offer, Payment
from huikuan.services.offers import OPEN_STATUSES
from huikuan.services.promises import QUIET_STAGES, stage_unless
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork


def write_offer(uow: UnitOfWork, offer: Offer, now: datetime) -> int:
    """Writes a new offer (accepted by its proposer when within their authority) and audits it; its id."""
    a = t.arrangements.c
    within = not offer.exceeds
    new_id = int(
        uow.session.execute(
            insert(t.arrangements)
            .values(
                case_id=offer.case_id,
                kind=offer.kind,
                total_amount=offer.total,
                currency=offer.currency,
                schedule=[p.to_dict() for p in offer.schedule],
                discount_bp=offer.discount_bp,
                status=offer.status,
                proposed_by=offer.proposed_by,
                reason=offer.reason,
                balance_at_offer=offer.balance_at_offer,
                created_at=now,
                approved_by=offer.proposed_by if within else None,
                approved_at=now if within else None,
                decided_at=now if within else None,
            )
            .returning(a.id)
        ).scalar_one()
    )
    record(
        uow.session,
        at=now,
        user_id=offer.proposed_by,
        action="arrangement.proposed",
        entity="case",
        entity_id=offer.case_id,
        detail={
            "arrangement_id": new_id,
            "kind": offer.kind,
            "total": offer.total,
            "discount_bp": offer.discount_bp,
            "payments": len(offer.schedule),
            "exceeds": [e.to_dict() for e in offer.exceeds],
        },
    )
    return new_id


def open_arrangement(uow: UnitOfWork, case_id: int) -> int | None:
    """The case's offer awaiting approval or active arrangement, if any."""
    a = t.arrangements.c
    found = uow.session.execute(
        select(a.id).where(a.case_id == case_id, a.status.in_(OPEN_STATUSES)).limit(1)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def activate(uow: UnitOfWork, arrangement_id: int, case_id: int, schedule: list[Payment], zone: str) -> None:
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
