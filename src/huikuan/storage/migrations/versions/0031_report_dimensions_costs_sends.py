"""report dimensions, channel costs and monthly report sendings

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 16:45:00

Issue 16's remaining points: product and segment as dimensions of the daily counters (filled by the next
`huikuan reports refresh`), the unit costs an administrator sets per channel and per collector-hour, and
the state of each monthly report's sending per recipient (so the job retries what was not sent, and never
sends twice).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("report_daily") as batch:
        batch.add_column(sa.Column("product", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("segment", sa.String(length=40), nullable=False, server_default=""))
    op.create_table(
        "channel_costs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("unit_cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("set_by", ID, nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_costs")),
        sa.UniqueConstraint("channel", "currency", "effective_from", name=op.f("uq_channel_costs_channel")),
    )
    op.create_table(
        "monthly_report_sends",
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_monthly_report_sends_creditor_id_creditors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("creditor_id", "month", "email", name=op.f("pk_monthly_report_sends")),
    )


def downgrade() -> None:
    op.drop_table("monthly_report_sends")
    op.drop_table("channel_costs")
    with op.batch_alter_table("report_daily") as batch:
        batch.drop_column("segment")
        batch.drop_column("product")
