"""reports

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 13:35:00

The reports' daily aggregates and month-end account snapshots (issue 16).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("rpcs", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("promises_made", sa.Integer(), nullable=False),
        sa.Column("promises_due", sa.Integer(), nullable=False),
        sa.Column("promises_kept", sa.Integer(), nullable=False),
        sa.Column("promises_partly_kept", sa.Integer(), nullable=False),
        sa.Column("promises_broken", sa.Integer(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("paid_off", sa.Integer(), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("planned_made", sa.Integer(), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("promised_amount", sa.BigInteger(), nullable=False),
        sa.Column("kept_amount", sa.BigInteger(), nullable=False),
        sa.Column("collected", sa.BigInteger(), nullable=False),
        sa.Column("reversed", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_report_daily_day_creditor", "report_daily", ["day", "creditor_id"])
    op.create_index("ix_report_daily_creditor_day", "report_daily", ["creditor_id", "day"])
    op.create_table(
        "report_refusals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_refusals_creditor_day", "report_refusals", ["creditor_id", "day"])
    op.create_table(
        "account_month_ends",
        sa.Column("month_end", sa.Date(), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("holder_id", ID, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("product", sa.String(length=20), nullable=False),
        sa.Column("segment", sa.String(length=40), nullable=True),
        sa.Column("placed_month", sa.Date(), nullable=True),
        sa.Column("placed", sa.BigInteger(), nullable=False),
        sa.Column("collected", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("dpd_bucket", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.UniqueConstraint("month_end", "account_id", name="uq_account_month_ends_month_end"),
    )
    op.create_index("ix_account_month_ends_creditor", "account_month_ends", ["creditor_id", "month_end"])
    # The job reads one day's contacts at a time: without it, each day would scan every contact.
    op.create_index("ix_interactions_at", "interactions", ["at"])


def downgrade() -> None:
    op.drop_index("ix_interactions_at", table_name="interactions")
    op.drop_index("ix_account_month_ends_creditor", table_name="account_month_ends")
    op.drop_table("account_month_ends")
    op.drop_index("ix_report_refusals_creditor_day", table_name="report_refusals")
    op.drop_table("report_refusals")
    op.drop_index("ix_report_daily_creditor_day", table_name="report_daily")
    op.drop_index("ix_report_daily_day_creditor", table_name="report_daily")
    op.drop_table("report_daily")
