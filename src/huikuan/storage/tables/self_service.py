"""What the debtor does on their own pages (services/debtor_payments.py, debtor_arrangements.py): the
payment links they made, the arrangements they signed (the consent text shown, when and from which
address), and the requests beyond the creditor's self-service bounds that go to the floor."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, String, Table, Text

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

# A payment link the debtor made on their page; the receipt goes out once the provider says it is paid.
self_service_payments = Table(
    "self_service_payments",
    metadata,
    id_column(),
    fk("payment_link_id", "payment_links.id", ondelete="CASCADE"),
    fk("case_id", "cases.id"),
    Column("portal_link_id", BigInteger),  # the debtor's private link (no PII)
    Column("address", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    fk("receipt_message_id", "messages.id", nullable=True),
    Column("receipt_at", UTCDateTime),
    Index("ux_self_service_payments_link", "payment_link_id", unique=True),
)

# The e-signature of an arrangement the debtor accepted: what they were shown and agreed to.
self_service_signatures = Table(
    "self_service_signatures",
    metadata,
    id_column(),
    fk("arrangement_id", "arrangements.id", ondelete="CASCADE"),
    fk("case_id", "cases.id"),
    Column("portal_link_id", BigInteger),
    Column("consent_text", Text, nullable=False),
    Column("locale", String(10), nullable=False),
    Column("address", String(64), nullable=False, default=""),
    Column("signed_at", UTCDateTime, nullable=False),
    Index("ux_self_service_signatures_arrangement", "arrangement_id", unique=True),
)

# A debtor's own proposal, beyond what the page may accept: a request for the floor to answer.
self_service_requests = Table(
    "self_service_requests",
    metadata,
    id_column(),
    fk("case_id", "cases.id"),
    Column("portal_link_id", BigInteger),
    Column("kind", String(20), nullable=False),  # arrangement
    Column("text", Text, nullable=False, default=""),
    Column("statement", JSON),  # uk-conc: the income and expenditure statement, in minor units a month
    Column("status", String(12), nullable=False, default="open"),
    Column("address", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_self_service_requests_case", "case_id", "created_at"),
)
