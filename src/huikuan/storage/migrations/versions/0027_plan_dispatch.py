"""plan dispatch and sandbox

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 16:40:00

The daily plan sends its own messages (issue 17): a message keeps the plan day that queued it, and a case's
message of a plan day and channel is queued once (a unique index; NULL for messages queued by a person).
A creditor can be marked sandbox: its messages are never handed to a provider.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN (SQLite 3.35+): a batch copy of creditors would break the keys pointing at it.
    op.add_column("messages", sa.Column("plan_date", sa.Date(), nullable=True))
    op.create_index("ux_messages_plan", "messages", ["case_id", "plan_date", "channel"], unique=True)
    op.add_column("creditors", sa.Column("sandbox", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("creditors", "sandbox")
    op.drop_index("ux_messages_plan", table_name="messages")
    op.drop_column("messages", "plan_date")
