"""notices and the placement's life

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:40:00

Notices and time limits (issue 12): the US validation notice's mailing date and period end, the annual
rate and contract date (the cn interest cap) and the interest above the cap on each account; the reason of
an account's status; account_changes, the account's changes of status (recalls, write-offs, returns); and
acknowledgments, the debtor's written acknowledgments of a debt (uk-conc restarts).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("validation_mailed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("validation_period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("interest_rate_bp", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contract_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("excess_interest", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("status_reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column("excess_interest", server_default=None)
    op.create_table(
        "account_changes",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("from_status", sa.String(length=12), nullable=False),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("batch_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_changes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_account_changes_case_id_cases")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_changes_user_id_users")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_account_changes_batch_id_import_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_changes")),
    )
    with op.batch_alter_table("account_changes", schema=None) as batch_op:
        batch_op.create_index("ix_account_changes_case", ["case_id", "at"], unique=False)
        batch_op.create_index("ix_account_changes_account", ["account_id"], unique=False)
    op.create_table(
        "acknowledgments",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_acknowledgments_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_acknowledgments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgments")),
    )
    with op.batch_alter_table("acknowledgments", schema=None) as batch_op:
        batch_op.create_index("ix_acknowledgments_account", ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("acknowledgments", schema=None) as batch_op:
        batch_op.drop_index("ix_acknowledgments_account")
    op.drop_table("acknowledgments")
    with op.batch_alter_table("account_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_account_changes_account")
        batch_op.drop_index("ix_account_changes_case")
    op.drop_table("account_changes")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name in (
            "status_reason",
            "excess_interest",
            "contract_date",
            "interest_rate_bp",
            "validation_period_end",
            "validation_mailed_on",
        ):
            batch_op.drop_column(name)
