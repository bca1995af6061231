"""the debtor's private links

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 20:20:00

Issue 18: the debtor's own pages open from a private link per case (the hash of its token only, its
expiry, the wrong answers to its identity check and when it was locked, the hash of a one-time code where
the creditor asks for one), and the wrong answers by address.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "debtor_links",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_at", When, nullable=True),
        sa.Column("passed_at", When, nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", When, nullable=True),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_debtor_links_failures_not_negative")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_debtor_links_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_debtor_links_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_debtor_links_token_hash")),
    )
    op.create_index("ix_debtor_links_case", "debtor_links", ["case_id"])
    op.create_table(
        "debtor_check_failures",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor_check_failures")),
    )
    op.create_index("ix_debtor_check_failures_address", "debtor_check_failures", ["address_hash", "at"])


def downgrade() -> None:
    op.drop_index("ix_debtor_check_failures_address", table_name="debtor_check_failures")
    op.drop_table("debtor_check_failures")
    op.drop_index("ix_debtor_links_case", table_name="debtor_links")
    op.drop_table("debtor_links")
