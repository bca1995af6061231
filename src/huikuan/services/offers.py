"""The offers as people see them: a case's arrangements, the supervisor's approval queue, the panel.

An offer awaiting approval is shown with the limits of its proposer's authority it goes beyond.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from huikuan.domain.enums import ArrangementStatus, Role
from huikuan.errors import Conflict, NotFound
from huikuan.services.access import Viewer, case_scope, require_supervisor, visible_case
from huikuan.services.arrangement_terms import Excess, Offer, Payment, authority, exceeds
from huikuan.services.clock import floor_today
from huikuan.services.promises import case_money
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

OPEN_STATUSES = (ArrangementStatus.AWAITING_APPROVAL.value, ArrangementStatus.ACTIVE.value)


def _schedule(stored: list[dict[str, Any]]) -> list[Payment]:
    return [Payment(int(p["seq"]), date.fromisoformat(p["due_date"]), int(p["amount"])) for p in stored]


def offers_where(uow: UnitOfWork, where: Any) -> list[Offer]:
    """The arrangements matching `where`, oldest first, with the limits an awaiting one goes beyond."""
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
    return list(reversed(offers_where(uow, t.arrangements.c.case_id == case_id)))


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
    return offers_where(uow, (a.status == ArrangementStatus.AWAITING_APPROVAL.value) & case_scope(viewer))


def awaiting_offer(uow: UnitOfWork, viewer: Viewer, arrangement_id: int) -> Offer:
    """The offer a supervisor is about to decide; it must be in their scope and still awaiting."""
    require_supervisor(viewer)
    a = t.arrangements.c
    found = offers_where(uow, (a.id == arrangement_id) & case_scope(viewer))
    if not found:
        raise NotFound("There is no offer {id}", id=arrangement_id)
    offer = found[0]
    if offer.status != ArrangementStatus.AWAITING_APPROVAL.value:
        raise Conflict("Offer {id} is no longer awaiting approval", id=arrangement_id)
    return offer


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
    """The case's negotiation panel as the viewer sees it."""
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
