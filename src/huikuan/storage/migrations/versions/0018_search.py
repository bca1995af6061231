"""search

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:15:00

Search keys (issue 15): a normalised name and its pinyin on each debtor, the digits and last four of
each phone; kept up to date by imports and edits. The keys of the rows already on file are written
here (storage/search_keys.py, the same function the writers call).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from huikuan.storage.search_keys import write_search_keys

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _bytewise(length: int) -> sa.types.TypeEngine[str]:
    """Text compared byte by byte on PostgreSQL (collation "C"), as SQLite compares it."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", _bytewise(200), nullable=True))
        batch_op.add_column(sa.Column("name_pinyin", _bytewise(400), nullable=True))
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_digits", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("phone_last4", sa.String(length=4), nullable=True))
    write_search_keys(op.get_bind(), everything=True)
    op.create_index("ix_debtors_name_key", "debtors", ["name_key"])
    op.create_index("ix_debtors_name_pinyin", "debtors", ["name_pinyin"])
    op.create_index("ix_contact_points_phone_last4", "contact_points", ["phone_last4"])
    op.create_index("ix_contact_points_phone_digits", "contact_points", ["phone_digits"])
    op.create_index("ix_accounts_external_ref", "accounts", ["external_ref"])


def downgrade() -> None:
    op.drop_index("ix_accounts_external_ref", table_name="accounts")
    op.drop_index("ix_contact_points_phone_digits", table_name="contact_points")
    op.drop_index("ix_contact_points_phone_last4", table_name="contact_points")
    op.drop_index("ix_debtors_name_pinyin", table_name="debtors")
    op.drop_index("ix_debtors_name_key", table_name="debtors")
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_column("phone_last4")
        batch_op.drop_column("phone_digits")
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.drop_column("name_pinyin")
        batch_op.drop_column("name_key")
