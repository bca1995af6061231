"""the list of replies from unknown senders

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 20:30:00

The administration lists the inbound messages no debtor matched (outcome "unknown"), newest first and
paged with the true count (services/inbound_unknown.py): an index on (outcome, received_at) serves both
the count and the page without a pass over every reply.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_inbound_messages_outcome", "inbound_messages", ["outcome", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_outcome", table_name="inbound_messages")
