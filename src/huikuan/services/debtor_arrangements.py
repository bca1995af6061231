"""The debtor arranges to pay on their own page (docs/debtor-self-service.md): a settlement or an
instalment plan within the creditor's self-service bounds, shown as a few concrete offers.

The bounds are the `self_service` entry of the creditor's authority policy (creditors.authority_policy,
docs/negotiation.md), each limit missing taking DEFAULT_SELF_SERVICE (no discount, up to 6 monthly
payments), and never beyond what a collector of that creditor may grant: the bounds are a subset of its
authority. The offers are computed with the collector's arithmetic (services/arrangement_terms.py): a
settlement at the largest discount allowed (when there is one), and plans of equal monthly payments, the
first FIRST_DUE_DAYS days from today. Accepting one recomputes it from its key (the page never says what
the terms are), writes it as the system (`accept_for_debtor`, with the negotiation's writers in
services/arrangement_writes.py, so the instalment job tracks it), and keeps the e-signature: the consent
text shown, when, and from which address. Its terms then go to the debtor through the gate
(services/self_service.py: by letter in us-reg-f without E-SIGN consent). Anything else is a request
(services/debtor_requests.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from huikuan.domain.enums import ArrangementKind, ArrangementStatus
from huikuan.domain.money import Money
from huikuan.errors import Conflict, InvalidInput
from huikuan.i18n import gettext
from huikuan.services.arrangement_terms import (
    LIMITS,
    Offer,
    Payment,
    Terms,
    authority,
    build_schedule,
    discount_bp,
    exceeds,
)
from huikuan.services.arrangement_writes import activate, open_arrangement, write_offer
from huikuan.services.clock import floor_today
from huikuan.services.offers import OPEN_STATUSES, offers_where
from huikuan.services.promises import case_money
from huikuan.services.self_service import DebtorNotice, Visitor, case_row, electronic_allowed, tell_debtor
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

SELF_SERVICE = "self_service"  # the entry of creditors.authority_policy
DEFAULT_SELF_SERVICE = {"max_discount_bp": 0, "max_instalments": 6, "min_first_payment_bp": 0}
FIRST_DUE_DAYS = 7  # the first payment of an offer falls this many days from today
EVERY_DAYS = 30  # monthly
PLAN_SIZES = (3, 6, 12, 24)  # the plans shown, up to the bounds' largest
TERMS_TEMPLATE = "self_service_arrangement"


@dataclass(frozen=True)
class SelfOffer:
    """One offer the page shows: its key (what the form posts), terms and discount."""

    key: str  # "settle" or "plan-N"
    terms: Terms
    discount_bp: int
    currency: str

    def money(self, minor: int) -> str:
        return str(Money(minor, self.currency))

    @property
    def schedule(self) -> list[Payment]:
        return self.terms.schedule


def bounds(policy: dict[str, Any]) -> dict[str, int]:
    """The creditor's self-service bounds, never beyond a collector's authority (see the docstring)."""
    given = policy.get(SELF_SERVICE) or {}
    own = {name: int(given.get(name, DEFAULT_SELF_SERVICE[name])) for name in LIMITS}
    collector = authority(policy, "collector") or own
    return {
        "max_discount_bp": max(0, min(own["max_discount_bp"], collector["max_discount_bp"])),
        "max_instalments": max(1, min(own["max_instalments"], collector["max_instalments"])),
        "min_first_payment_bp": max(own["min_first_payment_bp"], collector["min_first_payment_bp"]),
    }


def _plan(balance: int, count: int, limits: dict[str, int], first_due: date) -> Terms | None:
    least_first = -(-balance * limits["min_first_payment_bp"] // 10000)
    first = max(balance // count, least_first)
    if balance - first < count - 1:
        return None
    schedule = build_schedule(balance, count, first, first_due, EVERY_DAYS)
    if exceeds(limits, 0, schedule, balance):
        return None
    return Terms(ArrangementKind.INSTALMENT.value, balance, schedule, "self-service")


def offers_for(balance: int, currency: str, limits: dict[str, int], today: date) -> list[SelfOffer]:
    """The offers within `limits` for `balance` (pure arithmetic; empty when nothing is owed)."""
    if balance <= 0:
        return []
    first_due = today + timedelta(days=FIRST_DUE_DAYS)
    found: list[SelfOffer] = []
    off = balance * limits["max_discount_bp"] // 10000
    if off > 0:
        total = balance - off
        schedule = build_schedule(total, 1, None, first_due, EVERY_DAYS)
        terms = Terms(ArrangementKind.SETTLEMENT.value, total, schedule, "self-service")
        found.append(SelfOffer("settle", terms, -(-off * 10000 // balance), currency))
    sizes = sorted({n for n in PLAN_SIZES if n < limits["max_instalments"]} | {limits["max_instalments"]})
    sizes = [n for n in sizes if n >= 2][-3:]
    for count in sizes:
        plan = _plan(balance, count, limits, first_due)
        if plan is not None:
            found.append(SelfOffer(f"plan-{count}", plan, 0, currency))
    return found


@dataclass(frozen=True)
class ArrangeView:
    balance: int
    currency: str
    offers: list[SelfOffer]
    limits: dict[str, int]
    pack: str
    current: Offer | None  # an offer awaiting approval or an active arrangement: nothing new is offered
    electronic: bool  # the terms may go by e-mail (us-reg-f: only after E-SIGN consent)

    def money(self, minor: int) -> str:
        return str(Money(minor, self.currency))


def arrange_view(uow: UnitOfWork, visitor: Visitor, *, now: datetime) -> ArrangeView:
    """What the arrangement page shows the debtor now."""
    owed = case_money(uow, visitor.case_id)
    limits = bounds(owed.authority_policy)
    a = t.arrangements.c
    busy = offers_where(uow, (a.case_id == visitor.case_id) & a.status.in_(OPEN_STATUSES))
    offers = [] if busy else offers_for(owed.balance, owed.currency, limits, floor_today(now))
    case = case_row(uow, visitor.case_id)
    current = busy[-1] if busy else None
    return ArrangeView(
        owed.balance, owed.currency, offers, limits, str(case.pack), current, electronic_allowed(case)
    )


def consent_text(offer: SelfOffer, locale: str) -> str:
    """What the debtor agrees to, in their language; kept word for word with the signature."""
    lines = [
        gettext(
            "I agree to pay {total} in {count} payment(s) as scheduled below, instead of the balance "
            "at once. If a payment is missed, the arrangement may end and the whole balance be due again.",
            locale,
            total=offer.money(offer.terms.total),
            count=len(offer.schedule),
        )
    ]
    lines += [
        gettext(
            "Payment {seq}: {amount} by {due}",
            locale,
            seq=p.seq,
            amount=offer.money(p.amount),
            due=p.due_date.isoformat(),
        )
        for p in offer.schedule
    ]
    return "\n".join(lines)


def accept_for_debtor(
    uow: UnitOfWork, case_id: int, terms: Terms, limits: dict[str, int], *, now: datetime
) -> Offer:
    """An arrangement the debtor accepts on their own page, proposed by no staff user: within the
    creditor's self-service `limits` it is active at once with its instalments, as a collector's offer
    within authority is; beyond them it is refused. Not committed: the caller
    writes the signature in the same transaction."""
    owed = case_money(uow, case_id)
    if owed.balance <= 0:
        raise InvalidInput("This case has no open balance to negotiate")
    if terms.total > owed.balance:
        raise InvalidInput("Total: {value} is more than the open balance", value=owed.money(terms.total))
    if open_arrangement(uow, case_id) is not None:
        raise Conflict("This case already has an offer awaiting approval or an active arrangement")
    discount = discount_bp(owed.balance, terms.total)
    if exceeds(limits, discount, terms.schedule, terms.total):
        raise InvalidInput("This offer is beyond what may be accepted here: send it as a request")
    offer = Offer(
        0,
        case_id,
        terms.kind,
        ArrangementStatus.ACTIVE.value,
        terms.total,
        owed.currency,
        owed.balance,
        discount,
        terms.schedule,
        [],
        terms.reason,
        None,
        "",
        created_at=now,
    )
    uow.session.execute(
        update(t.cases)
        .where(t.cases.c.id == case_id, t.cases.c.negotiation_reason.is_(None))
        .values(negotiation_reason="asked", negotiation_opened_at=now)
    )
    new_id = write_offer(uow, offer, now)
    activate(uow, new_id, case_id, terms.schedule, owed.time_zone)
    return replace(offer, id=new_id)


def accept_offer(uow: UnitOfWork, visitor: Visitor, key: str, *, now: datetime) -> int:
    """Accepts the offer named `key` (recomputed now, see the module docstring), signs it and tells the
    debtor its terms; the arrangement's id. Commits."""
    view = arrange_view(uow, visitor, now=now)
    chosen = next((o for o in view.offers if o.key == key), None)
    if chosen is None:
        raise InvalidInput("This offer is no longer available: choose one of those shown")
    text = consent_text(chosen, visitor.locale)
    owed_limits = view.limits
    offer = accept_for_debtor(uow, visitor.case_id, chosen.terms, owed_limits, now=now)
    uow.session.execute(
        insert(t.self_service_signatures).values(
            arrangement_id=offer.id,
            case_id=visitor.case_id,
            portal_link_id=visitor.portal_link_id,
            consent_text=text,
            locale=visitor.locale,
            address=visitor.address[:64],
            signed_at=now,
        )
    )
    audit.record(
        uow.session,
        at=now,
        user_id=None,
        action="self_service.arrangement_accepted",
        entity="case",
        entity_id=visitor.case_id,
        detail={"arrangement_id": offer.id, "offer": key, "payments": len(chosen.schedule)},
    )
    uow.commit()
    subject = gettext("Your payment arrangement", visitor.locale)
    notice = DebtorNotice(subject, text, visitor.locale, TERMS_TEMPLATE, required=True)
    tell_debtor(uow, case_row(uow, visitor.case_id), notice, now=now)
    return offer.id
