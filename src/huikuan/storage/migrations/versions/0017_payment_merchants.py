"""payment merchants

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 07:40:00

Payment links and provider notifications (issue 14): each creditor's own merchant with a provider in its
service-provider mode (values sealed), the provider's own id of a link's order, and the order a
notification named.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_merchants",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("provider", sa.String(length=12), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_payment_merchants_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_payment_merchants_creditor_id_creditors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_merchants")),
        sa.UniqueConstraint("creditor_id", "provider", name=op.f("uq_payment_merchants_creditor_id")),
    )
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=128), nullable=True))
    with op.batch_alter_table("provider_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("out_trade_no", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("provider_events", schema=None) as batch_op:
        batch_op.drop_column("out_trade_no")
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.drop_column("provider_ref")
    op.drop_table("payment_merchants")
