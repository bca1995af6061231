"""champion against challenger kept by the reports job; the portal's accounts by placement day

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 20:20:00

Issue 16: the floor's dashboard read every plan row of the period case by case for champion against
challenger (seconds at 1,000,000 accounts); the `reports` job now keeps its figures by calendar month,
creditor, team, collector, segment, product, currency and strategy (`report_strategies`). Empty until the
job's next run (or `huikuan reports refresh --from FIRST-DAY`, which recomputes the months of the days it
recomputes). The creditor portal's accounts newest placement first are read in the order of a new index
instead of sorting all the creditor's accounts (`ix_accounts_placed`: placement day descending with no
day last, as the query asks, then id; the creditor and status in it too, so that the filter reads the index
alone). It does not lead with the creditor, so the other orders keep the creditor's own index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_strategies",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("segment", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("strategy", sa.String(length=40), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("plan_rows", sa.Integer(), nullable=False),
        sa.Column("collected", sa.BigInteger(), nullable=False),
        sa.Column("collected_squares_high", sa.BigInteger(), nullable=False),
        sa.Column("collected_squares_low", sa.BigInteger(), nullable=False),
        sa.Column("promised", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_strategies_month_creditor", "report_strategies", ["month", "creditor_id"])
    placed = "placed_on DESC NULLS LAST" if op.get_bind().dialect.name == "postgresql" else "placed_on DESC"
    op.create_index("ix_accounts_placed", "accounts", [sa.text(placed), "id", "creditor_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_accounts_placed", table_name="accounts")
    op.drop_index("ix_report_strategies_month_creditor", table_name="report_strategies")
    op.drop_table("report_strategies")
