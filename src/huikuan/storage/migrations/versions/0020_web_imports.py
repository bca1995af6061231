"""web imports

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 10:15:00

Imports from the browser (issue 15): who started each import batch, its stored file and rejects, and
its progress.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", Id, nullable=True))
        batch_op.add_column(sa.Column("mode", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=12), server_default="done", nullable=False))
        batch_op.add_column(sa.Column("stage", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("rows_total", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("rows_done", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("file_document_id", Id, nullable=True))
        batch_op.add_column(sa.Column("rejects_document_id", Id, nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_import_batches_user_id_users"), "users", ["user_id"], ["id"])
        batch_op.create_foreign_key(
            op.f("fk_import_batches_file_document_id_documents"), "documents", ["file_document_id"], ["id"]
        )
        batch_op.create_foreign_key(
            op.f("fk_import_batches_rejects_document_id_documents"),
            "documents",
            ["rejects_document_id"],
            ["id"],
        )
        batch_op.create_index("ix_import_batches_creditor", ["creditor_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_import_batches_creditor")
        batch_op.drop_constraint(op.f("fk_import_batches_rejects_document_id_documents"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_import_batches_file_document_id_documents"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_import_batches_user_id_users"), type_="foreignkey")
        for name in (
            "error",
            "rejects_document_id",
            "file_document_id",
            "rows_done",
            "rows_total",
            "stage",
            "status",
            "mode",
            "user_id",
        ):
            batch_op.drop_column(name)
