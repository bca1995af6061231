"""The money: payments and their allocations, the journal (never updated or deleted), reversals, money
terms, payment links, provider notifications, creditors' merchants, statements."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from huikuan.storage.tables.base import Id, fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

# A payment is money one debtor paid: by the agency's hand, through a provider, or reported by the creditor
# (`source` direct). It is never edited: a reversal undoes it by an entry of its own (payment_reversals), and
# a payment to the wrong case is reversed and posted again on the right one (`moved_from_id`). `account_id`
# is the account it was posted to (its allocations say which debts it paid).
payments = Table(
    "payments",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id"),
    Column("external_ref", String(100), nullable=False),
    fk("account_id", "accounts.id"),
    fk("case_id", "cases.id", nullable=True),
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
    fk("user_id", "users.id", nullable=True),
    fk("document_id", "documents.id", nullable=True),  # the proof: a bank slip, a cheque
    fk("moved_from_id", "payments.id", nullable=True),
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
    fk("payment_id", "payments.id", ondelete="CASCADE"),
    fk("account_id", "accounts.id"),
    Column("amount", BigInteger, nullable=False),
    Column("fees", BigInteger, nullable=False, default=0),
    Column("interest", BigInteger, nullable=False, default=0),
    Column("principal", BigInteger, nullable=False, default=0),
    Column("commission", BigInteger, nullable=False, default=0),  # what this allocation earned the agency
    UniqueConstraint("payment_id", "account_id"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("amount = fees + interest + principal", name="parts_add_up"),
)


# The journal: entries are inserted, never updated or deleted (triggers refuse both). Each line moves
# `amount` from its credit side to its debit side in the entry's currency, so every entry balances by
# construction; a side is a book and a reference (domain/ledger.py). The composite key ties a line's
# currency to its entry's.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    id_column(),
    Column("kind", String(12), nullable=False),
    fk("creditor_id", "creditors.id"),
    Column("currency", String(3), nullable=False),
    Column("at", UTCDateTime, nullable=False),  # when the money moved (a payment's paid_at)
    Column("posted_at", UTCDateTime, nullable=False),  # when it was written
    fk("payment_id", "payments.id", nullable=True),
    fk("reverses_id", "ledger_entries.id", nullable=True),
    fk("user_id", "users.id", nullable=True),
    Column("reason", Text, nullable=False, default=""),
    UniqueConstraint("id", "currency", name="id_currency"),
    UniqueConstraint("reverses_id"),
    Index("ix_ledger_entries_creditor_at", "creditor_id", "at"),
    Index("ix_ledger_entries_payment", "payment_id"),
)


ledger_lines = Table(
    "ledger_lines",
    metadata,
    id_column(),
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
    id_column(),
    fk("payment_id", "payments.id"),
    Column("kind", String(12), nullable=False),  # bounced, chargeback, refund, wrong_case, error
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    fk("user_id", "users.id", nullable=True),
    fk("entry_id", "ledger_entries.id"),
    fk("moved_to_id", "payments.id", nullable=True),
    UniqueConstraint("payment_id"),
)


# A creditor's money terms, one version per start day (domain/commission.py): where the money lands,
# net or gross remittance, the order of allocation, commission tiers, flat fees and caps.
money_terms = Table(
    "money_terms",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id"),
    Column("starts_on", Date, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),
    UniqueConstraint("creditor_id", "starts_on"),
)


# A payment link (and its QR code) for a case or an arrangement, through one provider; `out_trade_no` is
# the order number the provider knows it by and its notification names.
payment_links = Table(
    "payment_links",
    metadata,
    id_column(),
    fk("case_id", "cases.id"),
    fk("arrangement_id", "arrangements.id", nullable=True),
    Column("provider", String(12), nullable=False),
    Column("route", String(10), nullable=False),
    Column("out_trade_no", String(64), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False, default="open"),  # open, paid, expired, cancelled
    Column("url", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),
    fk("payment_id", "payments.id", nullable=True),
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
    id_column(),
    Column("provider", String(12), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    fk("payment_id", "payments.id", nullable=True),
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
    id_column(),
    fk("creditor_id", "creditors.id"),
    Column("provider", String(12), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),
    UniqueConstraint("creditor_id", "provider"),
)


# A creditor's statement for a month, frozen once issued: the entries it covers are listed in
# statement_entries, so a correction made later falls into the next statement.
statements = Table(
    "statements",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id"),
    Column("period", String(7), nullable=False),  # YYYY-MM, in the creditor's zone
    Column("currency", String(3), nullable=False),
    Column("remittance", String(8), nullable=False),  # net, gross
    Column("totals", JSON, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    fk("issued_by", "users.id", nullable=True),
    fk("entry_id", "ledger_entries.id", nullable=True),  # its remittance entry
    UniqueConstraint("creditor_id", "period"),
)


statement_entries = Table(
    "statement_entries",
    metadata,
    fk("statement_id", "statements.id"),
    fk("entry_id", "ledger_entries.id"),
    UniqueConstraint("entry_id"),
    Index("ix_statement_entries_statement", "statement_id"),
)
