"""What the debtor 360 shows (services/case_view.py builds it): the identity, the contact points with the
gate's verdict and their owners' local times, the debts and their totals, the parties, the last contact
and the next action, each as a frozen view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from huikuan.domain.money import Money
from huikuan.services.case_history import TimelineItem
from huikuan.services.gate import UNUSABLE


@dataclass(frozen=True)
class Identity:
    debtor_id: int
    name: str
    national_id: str  # masked: a PRC ID shows only its region (domain/national_id.py)
    has_national_id: bool
    # Whole years, the one thing shown of the birth date: with the region, a PRC ID stays one of ~180,000.
    # The date itself is revealed (services/reveal.py) or checked (services/identity_check.py).
    age: int | None
    has_birth_date: bool
    language: str
    flags: tuple[str, ...]  # the set ones, of FLAGS
    opt_outs: tuple[str, ...]  # channels the debtor opted out of
    inconvenient_times: tuple[str, ...]  # "12:00-14:00", the debtor's local time
    time_zones: tuple[str, ...]  # where the debtor may be (phones, address, stated zone)
    creditor_id: int
    creditor_code: str
    creditor_name: str
    pack: str
    stage: str
    segment: str | None
    assigned_to: str | None
    assigned_to_id: int | None
    claimed_by: str | None
    claimed_by_id: int | None
    claim_expires_at: datetime | None
    ability: float | None
    willingness: float | None
    delinquency_reason: str | None
    negotiation_reason: str | None
    planner_ability: float | None  # the latest plan's estimate, beside the collector's assessment
    planner_willingness: float | None


@dataclass(frozen=True)
class GateVerdict:
    """The gate's answer now for the point's natural channel (as check_contact gives it)."""

    channel: str
    allowed: bool
    next_allowed_at: datetime | None  # UTC; None when blocked until a fact changes
    rules: tuple[str, ...]
    reasons: tuple[str, ...]  # the gate's own explanations (English)
    decision_id: str


@dataclass(frozen=True)
class LocalTime:
    zone: str
    at: datetime  # aware, in `zone`


@dataclass(frozen=True)
class PointView:
    id: int
    kind: str
    masked: str
    status: str
    consent: bool
    source: str
    party_id: int | None  # None: the debtor's own
    owner_name: str
    owner_role: str
    channel: str | None  # the natural channel; None when the gate knows none for the kind
    local_times: tuple[LocalTime, ...]
    verdict: GateVerdict | None  # None for a point not used (UNUSABLE) or a kind with no channel
    place: str | None = None  # "work": it reaches the person at their place of employment

    @property
    def do_not_contact(self) -> bool:
        return self.status == "do_not_contact"

    @property
    def unusable(self) -> bool:
        """Marked wrong number, disconnected or do-not-contact: not offered, not dialled."""
        return self.status in UNUSABLE


@dataclass(frozen=True)
class DebtView:
    account_id: int
    creditor_code: str
    external_ref: str
    product: str
    currency: str
    principal: int
    interest: int
    fees: int
    balance: int
    overdue_since: date | None
    days_past_due: int
    bucket: str
    status: str
    original_creditor: str | None = None  # who first lent, where the debt was sold or assigned


@dataclass(frozen=True)
class Total:
    currency: str
    accounts: int
    principal: int
    interest: int
    fees: int
    balance: int


@dataclass(frozen=True)
class PartyView:
    id: int | None  # None: the debtor itself
    role: str
    name: str
    liable: bool
    relation: str | None
    may_discuss: str  # PAYMENT, LOCATION or NO_CONTACT (the pack forbids contacting this role)


@dataclass(frozen=True)
class LastContact:
    at: datetime
    channel: str
    outcome: str
    goal: str | None  # a code of domain/goals.py
    goal_note: str | None
    goal_met: bool | None
    by: str | None


@dataclass(frozen=True)
class NextAction:
    channel: str | None
    goal: str | None  # a code of domain/goals.py
    note: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class CaseView:
    case_id: int
    now: datetime
    locale: str
    identity: Identity
    points: tuple[PointView, ...]
    debts: tuple[DebtView, ...]
    totals: tuple[Total, ...]
    parties: tuple[PartyView, ...]
    timeline: tuple[TimelineItem, ...]
    last_contact: LastContact | None
    next_action: NextAction

    @property
    def balance_totals(self) -> tuple[Money, ...]:
        return tuple(Money(x.balance, x.currency) for x in self.totals)
