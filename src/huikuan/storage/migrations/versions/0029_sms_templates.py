"""sms templates

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 16:45:00

The SMS providers (issue 17, item 3): each creditor's approved template and signature codes per provider.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_templates",
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("template_name", sa.String(length=100), nullable=False),
        sa.Column("provider_template_code", sa.String(length=100), nullable=False),
        sa.Column("sign_name", sa.String(length=100), nullable=False),
        sa.Column("params", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_sms_templates_creditor_id_creditors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("creditor_id", "provider", "template_name", name=op.f("pk_sms_templates")),
    )


def downgrade() -> None:
    op.drop_table("sms_templates")
