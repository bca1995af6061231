"""contact points and the debtor's stated preferences

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:40:00

Issue 12: who added a contact point and when, its consent, verification and the reason of its status,
and whether it reaches the person at work; the debtor's inconvenient places and consent to electronic
communications.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inconvenient_places", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("electronic_consent", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("electronic_consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("electronic_consent_how", sa.String(length=200), nullable=True))
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("added_by", Id, nullable=True))
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_how", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("status_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(length=12), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_contact_points_added_by_users"), "users", ["added_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_contact_points_added_by_users"), type_="foreignkey")
        for name in (
            "place",
            "status_at",
            "status_reason",
            "verified_at",
            "consent_how",
            "consent_at",
            "added_by",
            "added_at",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("debtors", schema=None) as batch_op:
        for name in (
            "electronic_consent_how",
            "electronic_consent_at",
            "electronic_consent",
            "inconvenient_places",
        ):
            batch_op.drop_column(name)
