"""The exports: large list downloads made by a job (services/export_requests.py) and each creditor's
mapping of the daily activity file's columns to its own headers (services/activity_files.py)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text

from huikuan.storage.tables.base import Id, fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

# A list too long to download at once: asked for by a user, written by the `exports` job into the
# document store. queued -> running -> done | failed.
export_requests = Table(
    "export_requests",
    metadata,
    id_column(),
    fk("user_id", "users.id", ondelete="CASCADE"),
    Column("list_name", String(20), nullable=False),
    Column("format", String(4), nullable=False),  # csv, xlsx
    Column("filters", JSON, nullable=False, default=dict),  # the page's query parameters
    Column("locale", String(10), nullable=False),
    Column("status", String(8), nullable=False, default="queued"),
    Column("rows_total", BigInteger),
    Column("rows_done", BigInteger, nullable=False, default=0),
    fk("document_id", "documents.id", nullable=True),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_export_requests_user", "user_id", "id"),
    Index("ix_export_requests_status", "status"),
)

# A creditor's names for the activity file's columns: {our column: its header}; a column it does not
# name keeps ours.
activity_mappings = Table(
    "activity_mappings",
    metadata,
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Column("mapping", JSON, nullable=False, default=dict),
    Column("updated_at", UTCDateTime, nullable=False),
)
