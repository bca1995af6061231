"""Disputes, the document store's records, and complaints."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from huikuan.storage.tables.base import Id, fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

# The dispute loop (services/disputes.py): opened → verification_requested → verification_received →
# resolved (collection resumes, the debtor told) or upheld (the account closed or adjusted). A null
# account disputes every account of the case. `stops_collection` is the pack's answer when it was opened
# (domain/disputes.py): while the dispute is not closed, the gate refuses collection of what it names.
disputes = Table(
    "disputes",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    fk("case_id", "cases.id", ondelete="CASCADE"),
    fk("account_id", "accounts.id", nullable=True, ondelete="CASCADE"),
    Column("via", String(16), nullable=False),  # contact, message_reply, letter, portal, creditor
    Column("written", Boolean, nullable=False, default=False),
    Column("status", String(24), nullable=False, default="open"),
    Column("stops_collection", Boolean, nullable=False, default=True),
    Column("deadline", Date),  # verification (or an answer) due by this day, per the pack
    Column("opened_at", UTCDateTime, nullable=False),
    fk("opened_by", "users.id", nullable=True),
    Column("requested_at", UTCDateTime),
    fk("requested_by", "users.id", nullable=True),
    Column("received_at", UTCDateTime),
    fk("received_by", "users.id", nullable=True),
    Column("closed_at", UTCDateTime),
    fk("closed_by", "users.id", nullable=True),
    Column("told", String(12)),  # how the debtor was told of the resolution: message, letter_due
    Column("notes", Text, nullable=False, default=""),
    Index("ix_disputes_case", "case_id"),
    Index("ix_disputes_status_opened_at", "status", "opened_at"),
)


# One document store (storage/document_store.py): the file lives in the store under `stored_key`; the row
# says what it is, whose it is (entity, entity_id, and the case it belongs to, for who may see it).
documents = Table(
    "documents",
    metadata,
    id_column(),
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
    fk("case_id", "cases.id", nullable=True, ondelete="CASCADE"),
    Column("created_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),
    UniqueConstraint("stored_key"),
    Index("ix_documents_entity", "entity", "entity_id"),
    Index("ix_documents_case", "case_id"),
)


# The complaints register (services/complaints.py): received → acknowledged → answered → closed, each
# step's instant and who; due_on is the pack's deadline for the final answer (domain/complaints.py).
complaints = Table(
    "complaints",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    fk("case_id", "cases.id", ondelete="CASCADE"),
    Column("channel", String(16), nullable=False),
    Column("category", String(24), nullable=False),
    Column("regulator", String(12), nullable=False, default="none"),
    Column("regulator_ref", String(60), nullable=False, default=""),
    Column("status", String(12), nullable=False, default="received"),
    Column("due_on", Date, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    fk("received_by", "users.id", nullable=True),
    Column("acknowledged_at", UTCDateTime),
    fk("acknowledged_by", "users.id", nullable=True),
    Column("answered_at", UTCDateTime),
    fk("answered_by", "users.id", nullable=True),
    Column("closed_at", UTCDateTime),
    fk("closed_by", "users.id", nullable=True),
    Column("notes", Text, nullable=False, default=""),
    Index("ix_complaints_case", "case_id"),
    Index("ix_complaints_status_due_on", "status", "due_on"),
)
