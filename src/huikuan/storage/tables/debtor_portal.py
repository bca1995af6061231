"""The debtor's own pages (services/debtor_links.py): the private link of a case, kept as the hash of its
token only, with its expiry, the wrong answers given to its identity check and when it was locked; and the
wrong answers by address (a keyed hash of it), which limit how fast one address may guess at any link;
and, where the creditor asks for it, the one-time code sent to the phone (its keyed hash only)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, String, Table

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

debtor_links = Table(
    "debtor_links",
    metadata,
    id_column(),
    fk("case_id", "cases.id", ondelete="CASCADE"),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),  # null: the command line or a job
    Column("expires_at", UTCDateTime, nullable=False),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_at", UTCDateTime),
    Column("passed_at", UTCDateTime),  # the last time its identity check was passed
    # The one-time code of its check, where the creditor asks for one: its keyed hash and its end.
    Column("code_hash", String(64)),
    Column("code_expires_at", UTCDateTime),
    CheckConstraint("failures >= 0", name="failures_not_negative"),
    Index("ix_debtor_links_case", "case_id"),
)

# One row per wrong answer (or answer on a link that is unknown, expired or locked), by address.
debtor_check_failures = Table(
    "debtor_check_failures",
    metadata,
    id_column(),
    Column("at", UTCDateTime, nullable=False),
    Column("address_hash", String(64), nullable=False),
    Index("ix_debtor_check_failures_address", "address_hash", "at"),
)
