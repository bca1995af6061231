"""The terms of an offer: the proposer's authority, the discount, the schedule, and what goes beyond.

Pure arithmetic over integers of minor units (docs/negotiation.md): the proposer's role has an authority
per creditor (creditors.authority_policy, defaults in services/creditors.py); an admin has no limit.
The schedule: the first payment, then equal payments every `every_days` days, the remainder of the
division on the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from huikuan.domain.enums import Role
from huikuan.domain.money import Money
from huikuan.services.creditors import DEFAULT_AUTHORITY

LIMITS = ("max_discount_bp", "max_instalments", "min_first_payment_bp")


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


@dataclass(frozen=True)
class Terms:
    """An arrangement's terms before it is written: its kind, total and schedule (minor units)."""

    kind: str  # settlement or instalment
    total: int
    schedule: list[Payment]
    reason: str = ""


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
