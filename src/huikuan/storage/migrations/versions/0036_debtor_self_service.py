"""the debtor's own payments, signed arrangements and requests

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 20:20:00

Issue 18 (items 3 to 5): the payment links a debtor makes on their page (and the receipt sent), the
e-signature of an arrangement they accept (the consent text shown, when, from which address), and their
own proposals beyond the creditor's self-service bounds, for the floor to answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "self_service_payments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "payment_link_id", ID, sa.ForeignKey("payment_links.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("portal_link_id", sa.BigInteger()),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("receipt_message_id", ID, sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("receipt_at", When),
    )
    op.create_index(
        "ux_self_service_payments_link", "self_service_payments", ["payment_link_id"], unique=True
    )
    op.create_table(
        "self_service_signatures",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("arrangement_id", ID, sa.ForeignKey("arrangements.id", ondelete="CASCADE"), nullable=False),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("portal_link_id", sa.BigInteger()),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("signed_at", When, nullable=False),
    )
    op.create_index(
        "ux_self_service_signatures_arrangement", "self_service_signatures", ["arrangement_id"], unique=True
    )
    op.create_table(
        "self_service_requests",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("portal_link_id", sa.BigInteger()),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("statement", sa.JSON()),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
    )
    op.create_index("ix_self_service_requests_case", "self_service_requests", ["case_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_self_service_requests_case", table_name="self_service_requests")
    op.drop_table("self_service_requests")
    op.drop_index("ux_self_service_signatures_arrangement", table_name="self_service_signatures")
    op.drop_table("self_service_signatures")
    op.drop_index("ux_self_service_payments_link", table_name="self_service_payments")
    op.drop_table("self_service_payments")
