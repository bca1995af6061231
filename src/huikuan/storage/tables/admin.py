"""What the administration keeps besides the creditors: the message templates' texts edited in the browser."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

# An administrator's text of a shipped template (channels/templates/<channel>/<name>.<locale>.j2), for
# every creditor (creditor_id null) or for one; the shipped file is used where there is none. Uniqueness
# with a null creditor is kept by services/message_templates.py (NULLs are distinct in a unique key).
message_templates = Table(
    "message_templates",
    metadata,
    id_column(),
    Column("channel", String(12), nullable=False),
    Column("name", String(60), nullable=False),
    Column("locale", String(10), nullable=False),
    fk("creditor_id", "creditors.id", nullable=True),
    Column("subject", Text, nullable=False, default=""),
    Column("body", Text, nullable=False),
    fk("updated_by", "users.id", nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "name", "locale", "creditor_id"),
    Index("ix_message_templates_lookup", "channel", "name", "locale"),
)
