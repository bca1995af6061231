"""exports

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 13:35:00

Exports and the creditors' daily activity files (issue 16): large list downloads made by a job, and each
creditor's mapping of the activity file's columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_requests",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("list_name", sa.String(20), nullable=False),
        sa.Column("format", sa.String(4), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("rows_total", sa.BigInteger(), nullable=True),
        sa.Column("rows_done", sa.BigInteger(), nullable=False),
        sa.Column("document_id", Id, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_export_requests_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_export_requests_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_requests")),
    )
    op.create_index("ix_export_requests_user", "export_requests", ["user_id", "id"], unique=False)
    op.create_index("ix_export_requests_status", "export_requests", ["status"], unique=False)
    op.create_table(
        "activity_mappings",
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_activity_mappings_creditor_id_creditors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("creditor_id", name=op.f("pk_activity_mappings")),
    )


def downgrade() -> None:
    op.drop_table("activity_mappings")
    op.drop_index("ix_export_requests_status", table_name="export_requests")
    op.drop_index("ix_export_requests_user", table_name="export_requests")
    op.drop_table("export_requests")
