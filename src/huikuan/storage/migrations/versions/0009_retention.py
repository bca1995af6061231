"""retention and erasure

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00

Retention (issue 13): a creditor's own retention period, the day an account stopped being open, the moment
a debtor's personal data was anonymised, and the data subjects' erasure requests.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("creditors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_years", sa.Integer(), nullable=True))
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_table(
        "erasure_requests",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", Id, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("held_because", sa.String(length=40), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done')", name=op.f("ck_erasure_requests_status_known")),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_erasure_requests_debtor_id_debtors")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_erasure_requests_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index("ix_erasure_requests_debtor", ["debtor_id"], unique=False)
        batch_op.create_index("ix_erasure_requests_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_erasure_requests_status")
        batch_op.drop_index("ix_erasure_requests_debtor")
    op.drop_table("erasure_requests")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("creditors", schema=None) as batch_op:
        batch_op.drop_column("retention_years")
