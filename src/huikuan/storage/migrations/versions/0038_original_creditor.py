"""the original creditor of an account

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 00:50:00

Issue 18: the debtor's own page names the original creditor of a debt that was sold or assigned, as the
placement file gives it (`original_creditor`, 原债权人).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("original_creditor", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("original_creditor")
