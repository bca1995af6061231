"""inbound messages

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-06 16:50:00

Replies that come back (issue 17, item 4): the messages people send us by SMS, e-mail or WeChat, each with
the provider's id that makes a replayed callback harmless, and what it did.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0028"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_ref", sa.String(length=200), nullable=True),
        sa.Column("sender", sa.String(length=500), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("provider", "provider_ref", name=op.f("uq_inbound_messages_provider")),
    )
    op.create_index("ix_inbound_messages_sender", "inbound_messages", ["channel", "sender"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_sender", table_name="inbound_messages")
    op.drop_table("inbound_messages")
