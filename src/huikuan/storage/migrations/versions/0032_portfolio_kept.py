"""the creditor portal's figures kept by the reports job

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 17:45:00

Issue 16: the portal's landing figures (placed, collected, liquidation by placement month) read every
account of the creditor, and the promise figures every promise, seconds at 1,000,000 accounts; the `reports` job now keeps them grouped per
creditor, placement month and currency (and months since placement for the payments), and the pending and broken promises per due day. Empty until the
job's next run (or `huikuan reports refresh`): until then the portal counts live, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "portfolio_months",
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("placed_month", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("placed", sa.BigInteger(), nullable=False),
        sa.Column("open_accounts", sa.Integer(), nullable=False),
        sa.Column("open_balance", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_portfolio_months_creditor", "portfolio_months", ["creditor_id"])
    op.create_table(
        "portfolio_paid",
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("placed_month", sa.Integer(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_portfolio_paid_creditor", "portfolio_paid", ["creditor_id"])
    op.create_table(
        "portfolio_promises",
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("promises", sa.Integer(), nullable=False),
        sa.Column("amount_left", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_portfolio_promises_creditor", "portfolio_promises", ["creditor_id"])
    op.create_table(
        "portfolio_taken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_taken")),
    )


def downgrade() -> None:
    op.drop_table("portfolio_taken")
    op.drop_index("ix_portfolio_promises_creditor", table_name="portfolio_promises")
    op.drop_table("portfolio_promises")
    op.drop_index("ix_portfolio_paid_creditor", table_name="portfolio_paid")
    op.drop_table("portfolio_paid")
    op.drop_index("ix_portfolio_months_creditor", table_name="portfolio_months")
    op.drop_table("portfolio_months")
