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
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("plan_date", sa.Date(), nullable=True))
    op.create_index("ux_messages_plan", "messages", ["case_id", "plan_date", "channel"], unique=True)
    with op.batch_alter_table("creditors") as batch:
        batch.add_column(sa.Column("sandbox", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("creditors") as batch:
        batch.drop_column("sandbox")
    op.drop_index("ux_messages_plan", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("plan_date")
