"""The entities of a collection floor: creditors, debtors, their debts, and the work done on them.

Plain dataclasses; storage maps its tables onto them, so nothing here knows of SQL or HTTP.
Amounts are integers of minor units with the currency beside them; instants are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from huikuan.domain.enums import (
    AccountStatus,
    ArrangementKind,
    ArrangementStatus,
    CaseStage,
    ContactKind,
    ContactStatus,
    DelinquencyReason,
    MessageStatus,
    PartyRole,
    Product,
    PromiseStatus,
    Role,
)


@dataclass(eq=False)
class Creditor:
    """The tenant: whoever placed the accounts, with its rule pack and negotiation limits."""

    code: str
    name: str
    region: str = "CN"
    currency: str = "CNY"
    pack: str = "cn"
    time_zone: str = "Asia/Shanghai"
    pack_overrides: dict[str, Any] = field(default_factory=dict)
    authority_policy: dict[str, Any] = field(default_factory=dict)
    header_mapping: dict[str, str] = field(default_factory=dict)
    retention_years: int | None = None  # None: the pack's default (services/retention.py)
    id: int | None = None


@dataclass(eq=False)
class Team:
    name: str
    languages: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass(eq=False)
class User:
    username: str
    display_name: str
    role: Role
    password_hash: str = ""
    team_id: int | None = None
    creditor_id: int | None = None
    locale: str = "zh_CN"
    time_zone: str | None = None
    languages: list[str] = field(default_factory=lambda: ["zh"])
    skills: list[str] = field(default_factory=list)
    shifts: list[dict[str, Any]] = field(default_factory=list)  # when this user works (services/shifts.py)
    active: bool = True
    id: int | None = None


@dataclass(eq=False)
class Debtor:
    creditor_id: int
    name: str
    national_id: str | None = None  # as stored: sealed (huikuan.sealing), opened only by a reveal
    national_id_hash: str | None = None  # its keyed lookup hash
    national_id_masked: str | None = None  # what may be shown without a reveal
    birth_date: date | None = None
    language: str = "zh"
    time_zone: str | None = None
    address_country: str | None = None
    address_region: str | None = None
    cease: bool = False
    disputed: bool = False
    attorney: bool = False
    deceased: bool = False
    hardship: bool = False
    bankruptcy: bool = False
    employer_prohibits: bool = False
    opt_out_channels: list[str] = field(default_factory=list)
    inconvenient_times: list[dict[str, str]] = field(default_factory=list)
    anonymised_at: datetime | None = None  # set once its personal data is erased
    id: int | None = None

    @property
    def contact_held(self) -> bool:
        """A fact that stops collection contact until something changes."""
        return self.cease or self.disputed or self.deceased or self.bankruptcy


@dataclass(eq=False)
class Party:
    """A person related to a debtor: liable for the debt (guarantor, co-borrower) or not."""

    debtor_id: int
    role: PartyRole
    name: str
    liable: bool = False
    national_id: str | None = None  # as stored: sealed
    relation: str | None = None
    id: int | None = None


@dataclass(eq=False)
class ContactPoint:
    """A way to reach the debtor (party_id None) or one of its parties."""

    debtor_id: int
    kind: ContactKind
    value: str
    party_id: int | None = None
    status: ContactStatus = ContactStatus.UNVERIFIED
    source: str = "placement"
    consent: bool = False
    id: int | None = None


@dataclass(eq=False)
class Account:
    """One debt placed by a creditor, known by the creditor's own reference."""

    creditor_id: int
    debtor_id: int
    external_ref: str
    currency: str
    balance: int
    product: Product = Product.OTHER
    principal: int = 0
    interest: int = 0
    fees: int = 0
    overdue_since: date | None = None
    charge_off_date: date | None = None
    limitation_date: date | None = None
    last_payment_date: date | None = None
    last_payment_amount: int | None = None
    status: AccountStatus = AccountStatus.OPEN
    case_id: int | None = None
    closed_on: date | None = None  # the day it stopped being open (the retention clock starts there)
    id: int | None = None

    def days_past_due(self, today: date) -> int:
        return max((today - self.overdue_since).days, 0) if self.overdue_since else 0


def bucket(days_past_due: int) -> str:
    """The delinquency bucket the industry reports by: M0 current, M1 1-30 days ... M7+ 181 and over."""
    if days_past_due <= 0:
        return "M0"
    months = (days_past_due - 1) // 30 + 1
    return f"M{months}" if months < 7 else "M7+"


@dataclass(eq=False)
class Case:
    """The unit of work: a debtor's open accounts at one creditor."""

    creditor_id: int
    debtor_id: int
    stage: CaseStage = CaseStage.NEW
    segment: str | None = None
    assigned_user_id: int | None = None
    claimed_by: int | None = None
    claim_expires_at: datetime | None = None
    next_action_channel: str | None = None
    next_action_goal: str | None = None
    next_action_due_at: datetime | None = None
    priority: int = 0
    ability: float | None = None  # the collector's assessment, 0..1
    willingness: float | None = None
    delinquency_reason: DelinquencyReason | None = None
    negotiation_reason: str | None = None  # "asked" or "cannot_pay": a settlement or plan may be offered
    negotiation_opened_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Interaction:
    """One contact or attempt; append-only, never edited after it is recorded."""

    case_id: int
    debtor_id: int
    at: datetime
    channel: str
    direction: str
    outcome: str
    party_id: int | None = None
    contact_point_id: int | None = None
    user_id: int | None = None
    goal: str | None = None
    goal_met: bool | None = None
    notes: str = ""
    duration_s: int = 0
    decision_id: str | None = None
    id: int | None = None


@dataclass(eq=False)
class PromiseToPay:
    case_id: int
    amount: int
    currency: str
    due_date: date
    created_at: datetime
    created_by: int | None = None
    status: PromiseStatus = PromiseStatus.PENDING
    paid_amount: int = 0
    resolved_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Arrangement:
    """A settlement (one discounted payment) or an instalment plan, approved within authority."""

    case_id: int
    kind: ArrangementKind
    total_amount: int
    currency: str
    schedule: list[dict[str, Any]] = field(default_factory=list)
    discount_bp: int = 0
    status: ArrangementStatus = ArrangementStatus.PROPOSED
    proposed_by: int | None = None
    approved_by: int | None = None
    approved_at: datetime | None = None
    reason: str = ""
    balance_at_offer: int = 0
    created_at: datetime | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    id: int | None = None


@dataclass(eq=False)
class Instalment:
    """One payment due under an accepted arrangement."""

    arrangement_id: int
    seq: int
    due_date: date
    amount: int
    paid_amount: int = 0
    status: str = "pending"  # pending, paid, partly_paid, missed
    id: int | None = None


@dataclass(eq=False)
class Payment:
    """Money received, known by the creditor's unique payment reference."""

    creditor_id: int
    external_ref: str
    account_id: int
    amount: int
    currency: str
    paid_at: datetime
    method: str | None = None
    id: int | None = None


@dataclass(eq=False)
class Message:
    """An SMS, email, WeChat message or letter in the outbox."""

    case_id: int
    channel: str
    to: str
    body: str
    subject: str = ""
    template: str | None = None
    status: MessageStatus = MessageStatus.QUEUED
    decision_id: str | None = None
    provider_ref: str | None = None
    error: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    contact_point_id: int | None = None
    party_id: int | None = None
    user_id: int | None = None
    locale: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_until: datetime | None = None
    document: str | None = None
    id: int | None = None


@dataclass(eq=False)
class AuditEvent:
    """Who did what: including every reveal of a full national ID or phone number."""

    at: datetime
    action: str
    user_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
