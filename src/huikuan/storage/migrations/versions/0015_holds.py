"""holds

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:00:00

Holds on collection with a start and an end (issue 12): hardship, attorney, deceased, bankruptcy, cease,
Breathing Space and vulnerability, each with who set it, why and until when.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("set_by", Id, nullable=True),
        sa.Column("party_id", Id, nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", Id, nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_holds_debtor_id_debtors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name=op.f("fk_holds_set_by_users")),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_holds_party_id_parties"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["ended_by"], ["users.id"], name=op.f("fk_holds_ended_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index("ix_holds_debtor_ended_at", ["debtor_id", "ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index("ix_holds_debtor_ended_at")
    op.drop_table("holds")
