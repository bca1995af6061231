"""tenancy

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 10:15:00

Tenancy (issue 15): which creditors each team and each user serves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table, owner in (("team_creditors", "team"), ("user_creditors", "user")):
        op.create_table(
            table,
            sa.Column(f"{owner}_id", Id, nullable=False),
            sa.Column("creditor_id", Id, nullable=False),
            sa.ForeignKeyConstraint(
                ["creditor_id"],
                ["creditors.id"],
                name=op.f(f"fk_{table}_creditor_id_creditors"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                [f"{owner}_id"],
                [f"{owner}s.id"],
                name=op.f(f"fk_{table}_{owner}_id_{owner}s"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(f"{owner}_id", "creditor_id", name=op.f(f"pk_{table}")),
        )
        op.create_index(f"ix_{table}_creditor", table, ["creditor_id"], unique=False)


def downgrade() -> None:
    for table in ("user_creditors", "team_creditors"):
        op.drop_index(f"ix_{table}_creditor", table_name=table)
        op.drop_table(table)
