"""monthly reports

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 14:40:00

The monthly report per creditor (issue 16): the e-mail addresses each creditor's report is sent to.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_recipients",
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_report_recipients_creditor_id_creditors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("creditor_id", name=op.f("pk_report_recipients")),
    )


def downgrade() -> None:
    op.drop_table("report_recipients")
