"""The closed vocabularies of the domain: products, statuses, roles, channels and outcomes."""

from __future__ import annotations

from enum import StrEnum


class Product(StrEnum):
    CREDIT_CARD = "credit_card"
    CONSUMER_LOAN = "consumer_loan"
    MICROLOAN = "microloan"
    PROPERTY_FEE = "property_fee"
    PRIVATE_LOAN = "private_loan"
    TRADE_CONTRACT = "trade_contract"
    OTHER = "other"


class Role(StrEnum):
    """What a user of Huikuan may do."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    COLLECTOR = "collector"
    CREDITOR_VIEWER = "creditor_viewer"


class ContactKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    EMAIL = "email"
    WECHAT = "wechat"
    QQ = "qq"
    ADDRESS = "address"


class ContactStatus(StrEnum):
    UNVERIFIED = "unverified"
    VALID = "valid"
    WRONG_PARTY = "wrong_party"
    DISCONNECTED = "disconnected"
    DO_NOT_CONTACT = "do_not_contact"


class PartyRole(StrEnum):
    """How a related person stands to the debtor; the debtor itself is `debtor`."""

    DEBTOR = "debtor"
    GUARANTOR = "guarantor"
    CO_BORROWER = "co_borrower"
    SPOUSE = "spouse"
    FAMILY = "family"
    EMPLOYER = "employer"
    COLLEAGUE = "colleague"
    FRIEND = "friend"
    EMERGENCY_CONTACT = "emergency_contact"
    ATTORNEY = "attorney"


LIABLE_ROLES = frozenset({PartyRole.DEBTOR, PartyRole.GUARANTOR, PartyRole.CO_BORROWER})


class AccountStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    SETTLED = "settled"
    RECALLED = "recalled"
    CLOSED = "closed"
    WRITTEN_OFF = "written_off"
    RETURNED = "returned"


class CaseStage(StrEnum):
    NEW = "new"
    CONTACTING = "contacting"
    PROMISED = "promised"
    ARRANGEMENT = "arrangement"
    DISPUTE = "dispute"
    HOLD = "hold"
    CLOSED = "closed"


class Channel(StrEnum):
    CALL = "call"
    VOICEMAIL = "voicemail"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    WECHAT = "wechat"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Outcome(StrEnum):
    """What a contact attempt came to; the first group mirrors the compliance history outcomes."""

    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    NOT_CONNECTED = "not_connected"
    WRONG_PARTY = "wrong_party"
    THIRD_PARTY = "third_party"
    PROMISE = "promise"
    PAID = "paid"
    REFUSES = "refuses"
    DISPUTES = "disputes"
    HARDSHIP = "hardship"
    CALLBACK = "callback"
    CONSENT = "consent"
    DELIVERED = "delivered"
    FAILED = "failed"
    REFUSED_BY_GATE = "refused_by_gate"
    # A call placed through the floor's telephone system (services/calls.py) whose record has not come, and
    # one answered whose outcome the collector has not yet given: the gate reads both as the strictest
    # outcome, a conversation (strategy/gate_facts.py), so a call counts from the instant it is dialled.
    PLACED = "placed"
    ANSWERED = "answered"


# Outcomes in which the collector spoke with the person: the gate's "conversation".
CONVERSATION_OUTCOMES = frozenset(
    {
        Outcome.THIRD_PARTY,
        Outcome.PROMISE,
        Outcome.PAID,
        Outcome.REFUSES,
        Outcome.DISPUTES,
        Outcome.HARDSHIP,
        Outcome.CALLBACK,
    }
)


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class ArrangementKind(StrEnum):
    SETTLEMENT = "settlement"
    INSTALMENT = "instalment"


class ArrangementStatus(StrEnum):
    PROPOSED = "proposed"
    AWAITING_APPROVAL = "awaiting_approval"
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    REJECTED = "rejected"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # the debtor's facts changed while it was queued (services/fact_effects.py)


class DelinquencyReason(StrEnum):
    UNEMPLOYMENT = "unemployment"
    ILLNESS = "illness"
    BUSINESS_FAILURE = "business_failure"
    DISPUTE = "dispute"
    FRAUD_CLAIM = "fraud_claim"
    FORGOT = "forgot"
    UNWILLING = "unwilling"
    OTHER = "other"
