"""persons

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 04:30:00

One person, one set of facts (issue 12): the debtors of several creditors linked to one person, by the
same national ID or a supervisor's confirmed phone and name, and the debtors a supervisor unlinked. The
existing debtors are linked once by `huikuan persons link`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    op.create_table(
        "person_members",
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["debtor_id"],
            ["debtors.id"],
            name=op.f("fk_person_members_debtor_id_debtors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_person_members_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["linked_by"], ["users.id"], name=op.f("fk_person_members_linked_by_users")),
        sa.PrimaryKeyConstraint("debtor_id", name=op.f("pk_person_members")),
    )
    with op.batch_alter_table("person_members", schema=None) as batch_op:
        batch_op.create_index("ix_person_members_person", ["person_id"], unique=False)
    op.create_table(
        "person_unlinks",
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["debtor_id"],
            ["debtors.id"],
            name=op.f("fk_person_unlinks_debtor_id_debtors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_person_unlinks_user_id_users")),
        sa.PrimaryKeyConstraint("debtor_id", name=op.f("pk_person_unlinks")),
    )
    op.execute("CREATE INDEX ix_debtors_national_id_hash ON debtors (national_id_hash)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_debtors_national_id_hash")
    op.drop_table("person_unlinks")
    with op.batch_alter_table("person_members", schema=None) as batch_op:
        batch_op.drop_index("ix_person_members_person")
    op.drop_table("person_members")
    op.drop_table("persons")
