"""The schema: every table, with its constraints and the indexes the queues need."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from huikuan.storage.types import Sealed, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias must be INTEGER


def _id() -> Column[Any]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = False, ondelete: str | None = None) -> Column[Any]:
    return Column(name, Id, ForeignKey(target, ondelete=ondelete), nullable=nullable)


creditors = Table(
    "creditors",
    metadata,
    _id(),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("region", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("pack", String(40), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("pack_overrides", JSON, nullable=False, default=dict),
    Column("authority_policy", JSON, nullable=False, default=dict),
    Column("header_mapping", JSON, nullable=False, default=dict),
    # Years after a debtor's last account closes before its personal data is anonymised; null: the pack's.
    # Checked by services/creditors.py (a CHECK would make SQLite rebuild a table that others refer to).
    Column("retention_years", Integer),
)

teams = Table(
    "teams",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("languages", JSON, nullable=False, default=list),
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False, default=""),
    _fk("team_id", "teams.id", nullable=True),
    _fk("creditor_id", "creditors.id", nullable=True),
    Column("locale", String(10), nullable=False, default="zh_CN"),
    Column("time_zone", String(64)),  # where times are shown to this user; unset: the floor's zone
    Column("languages", JSON, nullable=False, default=list),
    Column("skills", JSON, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
    Column("password_changed_at", UTCDateTime),
    Column("totp_secret", String(160)),  # the second factor's shared secret once enrolled, sealed
    Column("totp_last_step", BigInteger),  # the last time step accepted: a code is never taken twice
    CheckConstraint("role IN ('admin', 'supervisor', 'collector', 'creditor_viewer')", name="role"),
)

# A browser's logged-in session, kept on the server so it can end: the cookie holds only a random token
# whose SHA-256 is kept here. It ends on logout, after the idle or absolute timeout, when an administrator
# revokes it, or when its user's password changes or the user is deactivated.
user_sessions = Table(
    "user_sessions",
    metadata,
    _id(),
    Column("token_hash", String(64), nullable=False, unique=True),
    _fk("user_id", "users.id"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ip", String(64), nullable=False),
    Column("user_agent", String(200), nullable=False, default=""),
    Column("ended_at", UTCDateTime),
    Column("end_reason", String(20)),
    _fk("ended_by", "users.id", nullable=True),
    Index("ix_user_sessions_user_id", "user_id"),
)

# Keys of machine clients (a creditor's system, the compliance API's callers): each acts as one user, with
# that user's role and scope; only the SHA-256 of the key is kept.
api_keys = Table(
    "api_keys",
    metadata,
    _id(),
    _fk("user_id", "users.id"),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    _fk("created_by", "users.id", nullable=True),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

debtors = Table(
    "debtors",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    Column("name", String(200), nullable=False),
    # Sealed (huikuan.sealing); found by its keyed hash, shown by its mask: lists never open it.
    Column("national_id", Sealed()),
    Column("national_id_hash", String(64)),
    Column("national_id_masked", String(40)),
    Column("birth_date", Date),
    Column("language", String(10), nullable=False, default="zh"),
    Column("time_zone", String(64)),
    Column("address_country", String(2)),
    Column("address_region", String(40)),
    Column("cease", Boolean, nullable=False, default=False),
    Column("disputed", Boolean, nullable=False, default=False),
    Column("attorney", Boolean, nullable=False, default=False),
    Column("deceased", Boolean, nullable=False, default=False),
    Column("hardship", Boolean, nullable=False, default=False),
    Column("bankruptcy", Boolean, nullable=False, default=False),
    Column("employer_prohibits", Boolean, nullable=False, default=False),
    Column("opt_out_channels", JSON, nullable=False, default=list),
    Column("inconvenient_times", JSON, nullable=False, default=list),
    # The debtor's own statements (services/preferences.py): places inconvenient for contact ("workplace"),
    # and consent to electronic communications with when and how it was given (or withdrawn: False).
    Column("inconvenient_places", JSON),  # null: none stated
    Column("electronic_consent", Boolean),
    Column("electronic_consent_at", UTCDateTime),
    Column("electronic_consent_how", String(200)),
    Column("anonymised_at", UTCDateTime),  # set once its personal data is erased (services/anonymise.py)
    Index("ix_debtors_creditor_national_id_hash", "creditor_id", "national_id_hash"),
    Index("ix_debtors_creditor_name", "creditor_id", "name"),
    Index("ix_debtors_national_id_hash", "national_id_hash"),  # the same person across creditors
)

parties = Table(
    "parties",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("liable", Boolean, nullable=False, default=False),
    Column("national_id", Sealed()),
    Column("relation", String(40)),
    Index("ix_parties_debtor", "debtor_id"),
)

contact_points = Table(
    "contact_points",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    _fk("party_id", "parties.id", nullable=True, ondelete="CASCADE"),
    Column("kind", String(12), nullable=False),
    Column("value", String(500), nullable=False),
    Column("status", String(16), nullable=False, default="unverified"),
    Column("source", String(20), nullable=False, default="placement"),
    Column("consent", Boolean, nullable=False, default=False),
    # Who added a point and when (null for imported ones: the import batch says), when and how consent
    # was given, when it was verified, why and when its status last changed (services/contact_points.py),
    # and whether it reaches the person at home or at work (a contact at work is the workplace rule's).
    Column("added_at", UTCDateTime),
    _fk("added_by", "users.id", nullable=True),
    Column("consent_at", UTCDateTime),
    Column("consent_how", String(200)),
    Column("verified_at", UTCDateTime),
    Column("status_reason", String(20)),
    Column("status_at", UTCDateTime),
    Column("place", String(12)),
    Index("ix_contact_points_debtor", "debtor_id"),
    Index("ix_contact_points_value", "kind", "value"),
)

cases = Table(
    "cases",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    _fk("debtor_id", "debtors.id"),
    Column("stage", String(20), nullable=False, default="new"),
    Column("segment", String(40)),
    _fk("assigned_user_id", "users.id", nullable=True),
    _fk("claimed_by", "users.id", nullable=True),
    Column("claim_expires_at", UTCDateTime),
    Column("next_action_channel", String(12)),
    Column("next_action_goal", String(200)),  # a code of domain/goals.py
    Column("next_action_note", String(200)),  # the collector's own words beside it
    Column("next_action_due_at", UTCDateTime),
    Column("priority", Integer, nullable=False, default=0),
    # The collector's assessment (0..1; the planner estimates them where these are null).
    Column("ability", Float),
    Column("willingness", Float),
    Column("delinquency_reason", String(20)),
    # Set when the debtor asked for a settlement or plan, or cannot pay in full: only then may one be offered.
    Column("negotiation_reason", String(20)),
    Column("negotiation_opened_at", UTCDateTime),
    UniqueConstraint("debtor_id"),
    CheckConstraint("ability IS NULL OR (ability >= 0 AND ability <= 1)", name="ability_range"),
    CheckConstraint(
        "willingness IS NULL OR (willingness >= 0 AND willingness <= 1)", name="willingness_range"
    ),
    Index("ix_cases_queue", "creditor_id", "stage", "next_action_due_at"),
    Index("ix_cases_assigned", "assigned_user_id", "next_action_due_at"),
    Index("ix_cases_claimed_by", "claimed_by"),
)

accounts = Table(
    "accounts",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    _fk("debtor_id", "debtors.id"),
    _fk("case_id", "cases.id", nullable=True),
    Column("external_ref", String(100), nullable=False),
    Column("product", String(20), nullable=False, default="other"),
    Column("currency", String(3), nullable=False),
    Column("principal", BigInteger, nullable=False, default=0),
    Column("interest", BigInteger, nullable=False, default=0),
    Column("fees", BigInteger, nullable=False, default=0),
    Column("balance", BigInteger, nullable=False),
    Column("overdue_since", Date),
    Column("charge_off_date", Date),
    Column("limitation_date", Date),
    Column("last_payment_date", Date),
    Column("last_payment_amount", BigInteger),
    Column("status", String(12), nullable=False, default="open"),
    Column("closed_on", Date),  # the day it stopped being open, as services/retention.py found
    # Notices and time limits (services/notices.py): the US validation notice as mailed, the limitation date
    # the pack's rules give (the debt is time-barred from that day on), the annual rate in hundredths of a
    # percent and the contract's date as imported, and the interest above the lawful cap (cn), not collected.
    Column("validation_mailed_on", Date),
    Column("validation_period_end", Date),
    Column("interest_rate_bp", Integer),
    Column("contract_date", Date),
    Column("excess_interest", BigInteger, nullable=False, default=0),
    Column("status_reason", String(200)),  # why it was recalled, written off or returned
    Column("placed_on", Date),  # the creditor's local day it was first placed (commission tiers by age)
    UniqueConstraint("creditor_id", "external_ref"),
    CheckConstraint("balance >= 0", name="balance_not_negative"),
    CheckConstraint("principal >= 0 AND interest >= 0 AND fees >= 0", name="parts_not_negative"),
    Index("ix_accounts_debtor", "debtor_id"),
    Index("ix_accounts_case", "case_id"),
)

interactions = Table(
    "interactions",
    metadata,
    _id(),
    _fk("case_id", "cases.id"),
    _fk("debtor_id", "debtors.id"),
    _fk("party_id", "parties.id", nullable=True),
    _fk("contact_point_id", "contact_points.id", nullable=True),
    _fk("user_id", "users.id", nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("channel", String(12), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("goal", String(200)),  # a code of domain/goals.py
    Column("goal_note", String(200)),
    Column("goal_met", Boolean),
    Column("notes", Text, nullable=False, default=""),
    Column("duration_s", Integer, nullable=False, default=0),
    Column("decision_id", String(64)),
    CheckConstraint("duration_s >= 0", name="duration_not_negative"),
    Index("ix_interactions_debtor_at", "debtor_id", "at"),
    Index("ix_interactions_case_at", "case_id", "at"),
)

promises = Table(
    "promises",
    metadata,
    _id(),
    _fk("case_id", "cases.id"),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    _fk("created_by", "users.id", nullable=True),
    _fk("interaction_id", "interactions.id", nullable=True),  # the conversation it was made in
    Column("status", String(12), nullable=False, default="pending"),
    Column("paid_amount", BigInteger, nullable=False, default=0),
    Column("resolved_at", UTCDateTime),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_promises_status_due", "status", "due_date"),
    Index("ix_promises_case", "case_id"),
)

arrangements = Table(
    "arrangements",
    metadata,
    _id(),
    _fk("case_id", "cases.id"),
    Column("kind", String(12), nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("schedule", JSON, nullable=False, default=list),
    Column("discount_bp", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False, default="proposed"),
    _fk("proposed_by", "users.id", nullable=True),
    _fk("approved_by", "users.id", nullable=True),
    Column("approved_at", UTCDateTime),
    Column("reason", Text, nullable=False, default=""),
    Column("balance_at_offer", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime),
    Column("decided_at", UTCDateTime),
    Column("decision_note", Text, nullable=False, default=""),
    CheckConstraint("total_amount > 0", name="total_positive"),
    CheckConstraint("discount_bp >= 0 AND discount_bp <= 10000", name="discount_range"),
    Index("ix_arrangements_case", "case_id"),
    Index("ix_arrangements_status", "status"),
)

# An accepted arrangement's schedule: one row per payment due; a missed one breaks the arrangement.
instalments = Table(
    "instalments",
    metadata,
    _id(),
    _fk("arrangement_id", "arrangements.id", ondelete="CASCADE"),
    Column("seq", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("paid_amount", BigInteger, nullable=False, default=0),
    Column("status", String(12), nullable=False, default="pending"),
    UniqueConstraint("arrangement_id", "seq"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("paid_amount >= 0", name="paid_not_negative"),
    Index("ix_instalments_status_due", "status", "due_date"),
)

# A payment is money one debtor paid: by the agency's hand, through a provider, or reported by the creditor
# (`source` direct). It is never edited: a reversal undoes it by an entry of its own (payment_reversals), and
# a payment to the wrong case is reversed and posted again on the right one (`moved_from_id`). `account_id`
# is the account it was posted to (its allocations say which debts it paid).
payments = Table(
    "payments",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    Column("external_ref", String(100), nullable=False),
    _fk("account_id", "accounts.id"),
    _fk("case_id", "cases.id", nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("method", String(40)),
    Column("source", String(8), nullable=False, default="direct"),  # agency, direct
    Column("route", String(10), nullable=False, default="creditor"),  # trust, creditor (domain.ledger.Route)
    Column("status", String(10), nullable=False, default="posted"),  # posted, reversed
    Column("provider", String(12)),  # alipay, wechatpay, stripe; null: by hand or imported
    Column("commission", BigInteger, nullable=False, default=0),
    Column("held", BigInteger, nullable=False, default=0),  # what no debt took (overpaid, or disputed)
    Column("posted_at", UTCDateTime),
    _fk("user_id", "users.id", nullable=True),
    _fk("document_id", "documents.id", nullable=True),  # the proof: a bank slip, a cheque
    _fk("moved_from_id", "payments.id", nullable=True),
    Column("note", Text, nullable=False, default=""),
    UniqueConstraint("creditor_id", "external_ref"),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_payments_account_paid_at", "account_id", "paid_at"),
    Index("ix_payments_case", "case_id"),
    Index("ix_payments_creditor_paid_at", "creditor_id", "paid_at"),
)

# What a payment paid off each debt, by part (the creditor's order: domain.ledger.allocate).
payment_allocations = Table(
    "payment_allocations",
    metadata,
    _fk("payment_id", "payments.id", ondelete="CASCADE"),
    _fk("account_id", "accounts.id"),
    Column("amount", BigInteger, nullable=False),
    Column("fees", BigInteger, nullable=False, default=0),
    Column("interest", BigInteger, nullable=False, default=0),
    Column("principal", BigInteger, nullable=False, default=0),
    Column("commission", BigInteger, nullable=False, default=0),  # what this allocation earned the agency
    UniqueConstraint("payment_id", "account_id"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("amount = fees + interest + principal", name="parts_add_up"),
)

messages = Table(
    "messages",
    metadata,
    _id(),
    _fk("case_id", "cases.id"),
    Column("channel", String(12), nullable=False),
    Column("to", String(500), nullable=False),
    Column("subject", String(300), nullable=False, default=""),
    Column("body", Text, nullable=False),
    Column("template", String(100)),
    Column("status", String(12), nullable=False, default="queued"),
    Column("decision_id", String(64)),
    Column("provider_ref", String(200)),
    Column("error", Text),
    Column("created_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    _fk("contact_point_id", "contact_points.id", nullable=True),
    _fk("party_id", "parties.id", nullable=True),
    _fk("user_id", "users.id", nullable=True),
    Column("locale", String(10)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("claimed_until", UTCDateTime),
    Column("document", String(500)),  # a letter's PDF, relative to the letters directory
    Index("ix_messages_status", "status"),
    Index("ix_messages_case", "case_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    _id(),
    Column("at", UTCDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True),
    Column("action", String(60), nullable=False),
    Column("entity", String(40)),
    Column("entity_id", BigInteger),
    Column("detail", JSON, nullable=False, default=dict),
    # The hash chain (storage/audit.py): the row's place, the previous row's hash and its own. Written only
    # by storage.audit.record; triggers (migration 0008) refuse UPDATE and DELETE on this table.
    Column("seq", BigInteger, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_entity", "entity", "entity_id"),  # a case's events (the timeline's refusals)
    Index("ix_audit_events_user_entity", "user_id", "entity", "entity_id", "at"),  # "viewed lately?"
    Index("ux_audit_events_seq", "seq", unique=True),  # one row per place: the chain cannot fork
)

# The end of the audit chain: one row (id 1), moved on by every append in the appending transaction.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)

# A data subject's request to erase its personal data: done at once, or pending while an account is open.
erasure_requests = Table(
    "erasure_requests",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id"),
    Column("requested_at", UTCDateTime, nullable=False),
    _fk("requested_by", "users.id", nullable=True),  # null: the command line without --user
    Column("reason", Text, nullable=False),
    Column("status", String(12), nullable=False, default="pending"),
    Column("held_because", String(40)),  # why it waits: open_account (the debt is collected under contract)
    Column("applied_at", UTCDateTime),
    CheckConstraint("status IN ('pending', 'done')", name="status_known"),
    Index("ix_erasure_requests_status", "status"),
    Index("ix_erasure_requests_debtor", "debtor_id"),
)

import_batches = Table(
    "import_batches",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    Column("kind", String(12), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("report", JSON, nullable=False, default=dict),
)

# The daily plan: one row per case per day, replaced as a whole when the day is planned again.
plan_rows = Table(
    "plan_rows",
    metadata,
    _id(),
    Column("plan_date", Date, nullable=False),
    Column("strategy", String(40), nullable=False),
    _fk("case_id", "cases.id"),
    Column("action", String(12), nullable=False),
    Column("slot_start", UTCDateTime),
    _fk("user_id", "users.id", nullable=True),
    Column("p_answer", Float),
    Column("p_pay", Float),
    Column("expected_value", BigInteger, nullable=False, default=0),
    Column("cost", BigInteger, nullable=False, default=0),
    Column("segment", String(40)),
    Column("reason", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("plan_date", "case_id"),
    CheckConstraint(
        "action IN ('call', 'sms', 'email', 'wechat', 'letter', 'visit', 'none')", name="action_known"
    ),
    Index("ix_plan_rows_case", "case_id", "plan_date"),
)


# What a collector says, by stage and segment (null: any segment), in each language; supervisors edit it.
scripts = Table(
    "scripts",
    metadata,
    _id(),
    Column("stage", String(20), nullable=False),
    Column("segment", String(40), nullable=False, default=""),
    Column("locale", String(10), nullable=False),
    Column("opening", Text, nullable=False),
    Column("objections", JSON, nullable=False, default=list),  # [{"objection": ..., "answer": ...}]
    _fk("updated_by", "users.id", nullable=True),
    Column("updated_at", UTCDateTime),
    UniqueConstraint("stage", "segment", "locale"),
)

# Login attempts, for throttling guessing (per user name and per address).
login_attempts = Table(
    "login_attempts",
    metadata,
    _id(),
    Column("username", String(80), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_username_at", "username", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)

# One lease per job, so that `huikuan jobs run` started by several processes runs each job once at a time.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(100)),
    Column("expires_at", UTCDateTime),
    Column("last_run_at", UTCDateTime),
    Column("last_result", JSON, nullable=False, default=dict),
)

# What the gate knew of a debtor, version by version (services/fact_history.py): each change of a
# debtor's facts adds the facts as they stand after it, valid from then until the next version. The first
# version of a debtor holds the facts before its first recorded change, valid from the beginning.
fact_versions = Table(
    "fact_versions",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True),  # null: a job, an import or the command line
    Column("reason", String(60), nullable=False),  # what changed them: a code such as "hold.set"
    Column("facts", JSON, nullable=False),  # {"debtor": the gate's DebtorFacts JSON, "debts": {...}}
    Index("ix_fact_versions_debtor_valid_from", "debtor_id", "valid_from"),
)

# One person placed by several creditors (services/persons.py): each creditor's debtor stays its own row,
# linked to a person by the same national ID (at import) or by a supervisor who confirmed a phone and name.
# A person exists only while it links two or more debtors.
persons = Table(
    "persons",
    metadata,
    _id(),
    Column("created_at", UTCDateTime, nullable=False),
)

person_members = Table(
    "person_members",
    metadata,
    Column("debtor_id", Id, ForeignKey("debtors.id", ondelete="CASCADE"), primary_key=True),
    _fk("person_id", "persons.id", ondelete="CASCADE"),
    Column("how", String(16), nullable=False),  # national_id | confirmed
    Column("linked_at", UTCDateTime, nullable=False),
    _fk("linked_by", "users.id", nullable=True),  # null: an import or the command line
    Index("ix_person_members_person", "person_id"),
)

# A debtor a supervisor unlinked is never linked again automatically (only by a supervisor's link).
person_unlinks = Table(
    "person_unlinks",
    metadata,
    Column("debtor_id", Id, ForeignKey("debtors.id", ondelete="CASCADE"), primary_key=True),
    Column("unlinked_at", UTCDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True),
)

# The dispute loop (services/disputes.py): opened → verification_requested → verification_received →
# resolved (collection resumes, the debtor told) or upheld (the account closed or adjusted). A null
# account disputes every account of the case. `stops_collection` is the pack's answer when it was opened
# (domain/disputes.py): while the dispute is not closed, the gate refuses collection of what it names.
disputes = Table(
    "disputes",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    _fk("case_id", "cases.id", ondelete="CASCADE"),
    _fk("account_id", "accounts.id", nullable=True, ondelete="CASCADE"),
    Column("via", String(16), nullable=False),  # contact, message_reply, letter, portal, creditor
    Column("written", Boolean, nullable=False, default=False),
    Column("status", String(24), nullable=False, default="open"),
    Column("stops_collection", Boolean, nullable=False, default=True),
    Column("deadline", Date),  # verification (or an answer) due by this day, per the pack
    Column("opened_at", UTCDateTime, nullable=False),
    _fk("opened_by", "users.id", nullable=True),
    Column("requested_at", UTCDateTime),
    _fk("requested_by", "users.id", nullable=True),
    Column("received_at", UTCDateTime),
    _fk("received_by", "users.id", nullable=True),
    Column("closed_at", UTCDateTime),
    _fk("closed_by", "users.id", nullable=True),
    Column("told", String(12)),  # how the debtor was told of the resolution: message, letter_due
    Column("notes", Text, nullable=False, default=""),
    Index("ix_disputes_case", "case_id"),
    Index("ix_disputes_status_opened_at", "status", "opened_at"),
)

# One document store (services/documents.py): the file lives in the store under `stored_key`; the row
# says what it is, whose it is (entity, entity_id, and the case it belongs to, for who may see it).
documents = Table(
    "documents",
    metadata,
    _id(),
    Column(
        "kind", String(16), nullable=False
    ),  # verification, evidence, letter, recording, import, statement
    Column("filename", String(200), nullable=False),
    Column("content_type", String(80), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("store", String(8), nullable=False, default="fs"),
    Column("stored_key", String(200), nullable=False),
    Column("entity", String(16), nullable=False),  # dispute, complaint, case
    Column("entity_id", Id, nullable=False),
    _fk("case_id", "cases.id", nullable=True, ondelete="CASCADE"),
    Column("created_at", UTCDateTime, nullable=False),
    _fk("created_by", "users.id", nullable=True),
    UniqueConstraint("stored_key"),
    Index("ix_documents_entity", "entity", "entity_id"),
    Index("ix_documents_case", "case_id"),
)

# The complaints register (services/complaints.py): received → acknowledged → answered → closed, each
# step's instant and who; due_on is the pack's deadline for the final answer (domain/complaints.py).
complaints = Table(
    "complaints",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    _fk("case_id", "cases.id", ondelete="CASCADE"),
    Column("channel", String(16), nullable=False),
    Column("category", String(24), nullable=False),
    Column("regulator", String(12), nullable=False, default="none"),
    Column("regulator_ref", String(60), nullable=False, default=""),
    Column("status", String(12), nullable=False, default="received"),
    Column("due_on", Date, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    _fk("received_by", "users.id", nullable=True),
    Column("acknowledged_at", UTCDateTime),
    _fk("acknowledged_by", "users.id", nullable=True),
    Column("answered_at", UTCDateTime),
    _fk("answered_by", "users.id", nullable=True),
    Column("closed_at", UTCDateTime),
    _fk("closed_by", "users.id", nullable=True),
    Column("notes", Text, nullable=False, default=""),
    Index("ix_complaints_case", "case_id"),
    Index("ix_complaints_status_due_on", "status", "due_on"),
)

# An account's changes of status (recalled, written off, returned, closed): who, when, why; the case's
# timeline shows them. `batch_id` names the recall file that made the change, if one did.
account_changes = Table(
    "account_changes",
    metadata,
    _id(),
    _fk("account_id", "accounts.id"),
    _fk("case_id", "cases.id", nullable=True),
    Column("at", UTCDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True),  # null: an import or a job
    Column("from_status", String(12), nullable=False),
    Column("to_status", String(12), nullable=False),
    Column("reason", String(200), nullable=False),
    _fk("batch_id", "import_batches.id", nullable=True),
    Index("ix_account_changes_case", "case_id", "at"),
    Index("ix_account_changes_account", "account_id"),
)


# A written acknowledgment of a debt by the debtor (uk-conc: it restarts the limitation period, Limitation
# Act 1980 ss. 29-30): the day it was signed, who recorded it and a short note (where the document is).
acknowledgments = Table(
    "acknowledgments",
    metadata,
    _id(),
    _fk("account_id", "accounts.id"),
    Column("acknowledged_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True),
    Column("note", String(200), nullable=False, default=""),
    Index("ix_acknowledgments_account", "account_id"),
)

# Holds on collection with a start and an end (services/holds.py): a hardship pause, an attorney, a death,
# a bankruptcy, a cease request, a Breathing Space moratorium, a vulnerability. Open while ended_at is
# null; the gate reads an open hold until ends_at. The debtor's boolean columns of the same names are kept
# equal to "an open hold of this kind exists" in the same transaction.
holds = Table(
    "holds",
    metadata,
    _id(),
    _fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("kind", String(24), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime),  # the first instant it no longer holds; null: until it is ended
    Column("until", Date),  # the last day as stated, in the debtor's local time (ends_at is its end)
    Column("note", Text),
    Column("source", String(12), nullable=False),  # collector, debtor, creditor, import
    _fk("set_by", "users.id", nullable=True),  # null: an import, a job or the command line
    _fk("party_id", "parties.id", nullable=True, ondelete="SET NULL"),  # the attorney, the estate's side
    Column("ended_at", UTCDateTime),
    _fk("ended_by", "users.id", nullable=True),
    Column("end_reason", String(200)),
    Index("ix_holds_debtor_ended_at", "debtor_id", "ended_at"),
)

# The journal: entries are inserted, never updated or deleted (triggers refuse both). Each line moves
# `amount` from its credit side to its debit side in the entry's currency, so every entry balances by
# construction; a side is a book and a reference (domain/ledger.py). The composite key ties a line's
# currency to its entry's.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    _id(),
    Column("kind", String(12), nullable=False),
    _fk("creditor_id", "creditors.id"),
    Column("currency", String(3), nullable=False),
    Column("at", UTCDateTime, nullable=False),  # when the money moved (a payment's paid_at)
    Column("posted_at", UTCDateTime, nullable=False),  # when it was written
    _fk("payment_id", "payments.id", nullable=True),
    _fk("reverses_id", "ledger_entries.id", nullable=True),
    _fk("user_id", "users.id", nullable=True),
    Column("reason", Text, nullable=False, default=""),
    UniqueConstraint("id", "currency", name="id_currency"),
    UniqueConstraint("reverses_id"),
    Index("ix_ledger_entries_creditor_at", "creditor_id", "at"),
    Index("ix_ledger_entries_payment", "payment_id"),
)

ledger_lines = Table(
    "ledger_lines",
    metadata,
    _id(),
    Column("entry_id", Id, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("debit_book", String(16), nullable=False),
    Column("debit_ref", Id, nullable=False),
    Column("credit_book", String(16), nullable=False),
    Column("credit_ref", Id, nullable=False),
    Column("amount", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["entry_id", "currency"], ["ledger_entries.id", "ledger_entries.currency"], name="entry_currency"
    ),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("debit_book <> credit_book OR debit_ref <> credit_ref", name="two_sides"),
    Index("ix_ledger_lines_entry", "entry_id"),
    Index("ix_ledger_lines_debit", "debit_book", "debit_ref"),
    Index("ix_ledger_lines_credit", "credit_book", "credit_ref"),
)

payment_reversals = Table(
    "payment_reversals",
    metadata,
    _id(),
    _fk("payment_id", "payments.id"),
    Column("kind", String(12), nullable=False),  # bounced, chargeback, refund, wrong_case, error
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    _fk("user_id", "users.id", nullable=True),
    _fk("entry_id", "ledger_entries.id"),
    _fk("moved_to_id", "payments.id", nullable=True),
    UniqueConstraint("payment_id"),
)

# A creditor's money terms, one version per start day (domain/commission.py): where the money lands,
# net or gross remittance, the order of allocation, commission tiers, flat fees and caps.
money_terms = Table(
    "money_terms",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    Column("starts_on", Date, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    _fk("created_by", "users.id", nullable=True),
    UniqueConstraint("creditor_id", "starts_on"),
)

# A payment link (and its QR code) for a case or an arrangement, through one provider; `out_trade_no` is
# the order number the provider knows it by and its notification names.
payment_links = Table(
    "payment_links",
    metadata,
    _id(),
    _fk("case_id", "cases.id"),
    _fk("arrangement_id", "arrangements.id", nullable=True),
    Column("provider", String(12), nullable=False),
    Column("route", String(10), nullable=False),
    Column("out_trade_no", String(64), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False, default="open"),  # open, paid, expired, cancelled
    Column("url", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    _fk("created_by", "users.id", nullable=True),
    _fk("payment_id", "payments.id", nullable=True),
    Column("provider_ref", String(128)),  # the provider's own id of the order or session, if it gives one
    UniqueConstraint("out_trade_no"),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_payment_links_case", "case_id"),
)

# Each provider notification taken, by the provider's own event or transaction id: a replay is answered
# as before and changes nothing.
provider_events = Table(
    "provider_events",
    metadata,
    _id(),
    Column("provider", String(12), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    _fk("payment_id", "payments.id", nullable=True),
    Column("outcome", String(20), nullable=False),
    Column("out_trade_no", String(64)),  # the order it named, if it named one
    UniqueConstraint("provider", "event_id"),
)

# Where a creditor's money lands with a provider in its service-provider mode (route `creditor`): the
# creditor's own merchant, e.g. {"app_auth_token": ...} for Alipay, {"sub_mchid": ...} for WeChat Pay.
# Each value is sealed (huikuan.sealing, purpose "payment merchant"): lists show it masked.
payment_merchants = Table(
    "payment_merchants",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    Column("provider", String(12), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    _fk("created_by", "users.id", nullable=True),
    UniqueConstraint("creditor_id", "provider"),
)

# A creditor's statement for a month, frozen once issued: the entries it covers are listed in
# statement_entries, so a correction made later falls into the next statement.
statements = Table(
    "statements",
    metadata,
    _id(),
    _fk("creditor_id", "creditors.id"),
    Column("period", String(7), nullable=False),  # YYYY-MM, in the creditor's zone
    Column("currency", String(3), nullable=False),
    Column("remittance", String(8), nullable=False),  # net, gross
    Column("totals", JSON, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    _fk("issued_by", "users.id", nullable=True),
    _fk("entry_id", "ledger_entries.id", nullable=True),  # its remittance entry
    UniqueConstraint("creditor_id", "period"),
)

statement_entries = Table(
    "statement_entries",
    metadata,
    _fk("statement_id", "statements.id"),
    _fk("entry_id", "ledger_entries.id"),
    UniqueConstraint("entry_id"),
    Index("ix_statement_entries_statement", "statement_id"),
)
