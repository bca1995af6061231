"""The records kept about the work: the audit log and its head, erasure requests, import batches."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

audit_events = Table(
    "audit_events",
    metadata,
    id_column(),
    Column("at", UTCDateTime, nullable=False),
    fk("user_id", "users.id", nullable=True),
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
    # The audit viewer (services/audit_view.py): a kind, or a user, newest first; its list of kinds.
    Index("ix_audit_events_action_at", "action", "at"),
    Index("ix_audit_events_user_at", "user_id", "at"),
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
    id_column(),
    fk("debtor_id", "debtors.id"),
    Column("requested_at", UTCDateTime, nullable=False),
    fk("requested_by", "users.id", nullable=True),  # null: the command line without --user
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
    id_column(),
    fk("creditor_id", "creditors.id"),
    Column("kind", String(12), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("report", JSON, nullable=False, default=dict),
    # Imports from the browser (services/import_jobs.py): who started it, how, where it stands, and the
    # files it keeps (documents rows: the file as uploaded, the rejected rows). A command-line import
    # has no user and is done when its row appears.
    fk("user_id", "users.id", nullable=True),
    Column("mode", String(8)),  # strict or lenient; null: an import of the command line before 0020
    # queued -> running -> done | refused (strict mode, bad rows: nothing written) | failed (an error)
    Column("status", String(12), nullable=False, default="done", server_default="done"),
    Column("stage", String(12)),  # what a running import is doing: parse, match, write
    Column("rows_total", BigInteger),  # known once the file is read
    Column("rows_done", BigInteger, nullable=False, default=0, server_default="0"),
    fk("file_document_id", "documents.id", nullable=True),
    fk("rejects_document_id", "documents.id", nullable=True),
    Column("error", Text),  # why a failed import failed (a fixed message)
    Index("ix_import_batches_creditor", "creditor_id", "id"),  # a creditor's history, newest first
)
