"""The work: cases, their accounts and the changes of their status, contacts, promises, arrangements
and instalments, messages, and the daily plan."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

cases = Table(
    "cases",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id"),
    fk("debtor_id", "debtors.id"),
    Column("stage", String(20), nullable=False, default="new"),
    Column("segment", String(40)),
    fk("assigned_user_id", "users.id", nullable=True),
    fk("claimed_by", "users.id", nullable=True),
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
    # Its open accounts, kept by database triggers on `accounts` (migration 0019) so that the queues need
    # not add them up: their number, summed balance (minor units), currency and oldest overdue date.
    Column("open_accounts", Integer, nullable=False, server_default="0"),
    Column("open_balance", BigInteger, nullable=False, server_default="0"),
    Column("open_currency", String(3)),
    Column("open_overdue_since", Date),
    # Its latest daily-plan row, kept by database triggers on `plan_rows` (migration 0019) so that an index
    # gives the queue in the plan's order: that row's day, whether it plans an action (not `none`), its
    # slot and its expected value negated (an ascending index then gives the highest first). NULL: no plan.
    Column("plan_day", Date),
    Column("plan_live", Boolean),
    Column("plan_slot", UTCDateTime),
    Column("plan_rank", BigInteger),
    UniqueConstraint("debtor_id"),
    CheckConstraint("ability IS NULL OR (ability >= 0 AND ability <= 1)", name="ability_range"),
    CheckConstraint(
        "willingness IS NULL OR (willingness >= 0 AND willingness <= 1)", name="willingness_range"
    ),
    Index("ix_cases_queue", "creditor_id", "stage", "next_action_due_at"),
    Index("ix_cases_assigned", "assigned_user_id", "next_action_due_at"),
    Index("ix_cases_claimed_by", "claimed_by"),
    Index("ix_cases_plan", "plan_day", "plan_live", "plan_slot", "plan_rank"),
)


accounts = Table(
    "accounts",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id"),
    fk("debtor_id", "debtors.id"),
    fk("case_id", "cases.id", nullable=True),
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
    # Who first lent, where the debt was sold or assigned to the creditor (the placement file says).
    Column("original_creditor", String(200)),
    Column("excess_interest", BigInteger, nullable=False, default=0),
    Column("status_reason", String(200)),  # why it was recalled, written off or returned
    Column("placed_on", Date),  # the creditor's local day it was first placed (commission tiers by age)
    UniqueConstraint("creditor_id", "external_ref"),
    CheckConstraint("balance >= 0", name="balance_not_negative"),
    CheckConstraint("principal >= 0 AND interest >= 0 AND fees >= 0", name="parts_not_negative"),
    Index("ix_accounts_debtor", "debtor_id"),
    Index("ix_accounts_case", "case_id"),
    Index("ix_accounts_external_ref", "external_ref"),  # a search by contract number, across creditors
)
# The creditor portal's accounts newest placement first (services/portal_accounts.py): a page is read in this
# order instead of sorting the creditor's accounts. The creditor and status follow in the index, so that
# the filter reads the index alone; it does not lead with the creditor, so that the other orders keep
# reading the creditor's own index (uq creditor_id, external_ref). No day last: SQLite's own order of a
# descending index; NULLS LAST on PostgreSQL.
Index(
    "ix_accounts_placed",
    accounts.c.placed_on.desc().nulls_last(),
    accounts.c.id,
    accounts.c.creditor_id,
    accounts.c.status,
)


# An account's changes of status (recalled, written off, returned, closed): who, when, why; the case's
# timeline shows them. `batch_id` names the recall file that made the change, if one did.
account_changes = Table(
    "account_changes",
    metadata,
    id_column(),
    fk("account_id", "accounts.id"),
    fk("case_id", "cases.id", nullable=True),
    Column("at", UTCDateTime, nullable=False),
    fk("user_id", "users.id", nullable=True),  # null: an import or a job
    Column("from_status", String(12), nullable=False),
    Column("to_status", String(12), nullable=False),
    Column("reason", String(200), nullable=False),
    fk("batch_id", "import_batches.id", nullable=True),
    Index("ix_account_changes_case", "case_id", "at"),
    Index("ix_account_changes_account", "account_id"),
)


interactions = Table(
    "interactions",
    metadata,
    id_column(),
    fk("case_id", "cases.id"),
    fk("debtor_id", "debtors.id"),
    fk("party_id", "parties.id", nullable=True),
    fk("contact_point_id", "contact_points.id", nullable=True),
    fk("user_id", "users.id", nullable=True),
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
    # On PostgreSQL the outcome is kept in the index too: whether a case has had a conversation is then
    # answered from the index alone (migration 0044).
    Index("ix_interactions_case_at", "case_id", "at", postgresql_include=["outcome"]),
    Index("ix_interactions_at", "at"),  # a day's contacts, for the reports (services/reports.py)
    # The points the consumer wrote from (services/safe_harbour.py `used_points`, asked before every
    # e-mail and text): the few inbound contacts, read without a scan; the query writes the condition as a
    # literal, or SQLite does not use the index.
    Index(
        "ix_interactions_inbound_point",
        "contact_point_id",
        "channel",
        sqlite_where=text("direction = 'inbound'"),
        postgresql_where=text("direction = 'inbound'"),
    ),
)


promises = Table(
    "promises",
    metadata,
    id_column(),
    fk("case_id", "cases.id"),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),
    fk("interaction_id", "interactions.id", nullable=True),  # the conversation it was made in
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
    id_column(),
    fk("case_id", "cases.id"),
    Column("kind", String(12), nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("schedule", JSON, nullable=False, default=list),
    Column("discount_bp", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False, default="proposed"),
    fk("proposed_by", "users.id", nullable=True),
    fk("approved_by", "users.id", nullable=True),
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
    id_column(),
    fk("arrangement_id", "arrangements.id", ondelete="CASCADE"),
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


messages = Table(
    "messages",
    metadata,
    id_column(),
    fk("case_id", "cases.id"),
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
    fk("contact_point_id", "contact_points.id", nullable=True),
    fk("party_id", "parties.id", nullable=True),
    fk("user_id", "users.id", nullable=True),
    Column("locale", String(10)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("claimed_until", UTCDateTime),
    Column("document", String(500)),  # a letter's PDF, relative to the letters directory
    # The plan day of a message the daily plan queued (services/plan_dispatch.py); NULL: queued by a person.
    Column("plan_date", Date),
    Index("ix_messages_status", "status"),
    # A case's messages in a state (queued, sent ...): never every message in that state (migration 0044).
    Index("ix_messages_case_status", "case_id", "status"),
    # The plan queues a case's message of a day once (NULL plan dates never collide).
    Index("ux_messages_plan", "case_id", "plan_date", "channel", unique=True),
)


# The daily plan: one row per case per day, replaced as a whole when the day is planned again.
plan_rows = Table(
    "plan_rows",
    metadata,
    id_column(),
    Column("plan_date", Date, nullable=False),
    Column("strategy", String(40), nullable=False),
    fk("case_id", "cases.id"),
    Column("action", String(12), nullable=False),
    Column("slot_start", UTCDateTime),
    fk("user_id", "users.id", nullable=True),
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
