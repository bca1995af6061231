"""disputes, documents and complaints

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 05:00:00

The dispute loop, one document store and the complaints register (issue 12).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _user(name: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([name], ["users.id"], name=op.f(f"fk_{table}_{name}_users"))


def _owner(name: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [name], [f"{target}.id"], name=op.f(f"fk_{table}_{name}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("written", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("stops_collection", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("opened_at", When, nullable=False),
        sa.Column("opened_by", Id, nullable=True),
        sa.Column("requested_at", When, nullable=True),
        sa.Column("requested_by", Id, nullable=True),
        sa.Column("received_at", When, nullable=True),
        sa.Column("received_by", Id, nullable=True),
        sa.Column("closed_at", When, nullable=True),
        sa.Column("closed_by", Id, nullable=True),
        sa.Column("told", sa.String(length=12), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        _owner("debtor_id", "debtors", "disputes"),
        _owner("case_id", "cases", "disputes"),
        _owner("account_id", "accounts", "disputes"),
        _user("opened_by", "disputes"),
        _user("requested_by", "disputes"),
        _user("received_by", "disputes"),
        _user("closed_by", "disputes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index("ix_disputes_case", ["case_id"], unique=False)
        batch_op.create_index("ix_disputes_status_opened_at", ["status", "opened_at"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("store", sa.String(length=8), nullable=False),
        sa.Column("stored_key", sa.String(length=200), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("entity_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("created_by", Id, nullable=True),
        _owner("case_id", "cases", "documents"),
        _user("created_by", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("stored_key", name=op.f("uq_documents_stored_key")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_case", ["case_id"], unique=False)
        batch_op.create_index("ix_documents_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "complaints",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("regulator", sa.String(length=12), nullable=False),
        sa.Column("regulator_ref", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("received_at", When, nullable=False),
        sa.Column("received_by", Id, nullable=True),
        sa.Column("acknowledged_at", When, nullable=True),
        sa.Column("acknowledged_by", Id, nullable=True),
        sa.Column("answered_at", When, nullable=True),
        sa.Column("answered_by", Id, nullable=True),
        sa.Column("closed_at", When, nullable=True),
        sa.Column("closed_by", Id, nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        _owner("debtor_id", "debtors", "complaints"),
        _owner("case_id", "cases", "complaints"),
        _user("received_by", "complaints"),
        _user("acknowledged_by", "complaints"),
        _user("answered_by", "complaints"),
        _user("closed_by", "complaints"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_case", ["case_id"], unique=False)
        batch_op.create_index("ix_complaints_status_due_on", ["status", "due_on"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("complaints", ("ix_complaints_status_due_on", "ix_complaints_case")),
        ("documents", ("ix_documents_entity", "ix_documents_case")),
        ("disputes", ("ix_disputes_status_opened_at", "ix_disputes_case")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
        op.drop_table(table)
