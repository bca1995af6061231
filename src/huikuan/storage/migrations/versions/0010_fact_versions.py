"""fact versions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:30:00

The debtor's facts kept with their history (issue 12): every change adds a version of what the gate reads,
so that its verdict at any past instant can be reproduced.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fact_versions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_fact_versions_debtor_id_debtors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_fact_versions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_versions")),
    )
    with op.batch_alter_table("fact_versions", schema=None) as batch_op:
        batch_op.create_index("ix_fact_versions_debtor_valid_from", ["debtor_id", "valid_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fact_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_fact_versions_debtor_valid_from")
    op.drop_table("fact_versions")
