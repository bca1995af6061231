"""wechat

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 16:50:00

WeChat official-account messaging (issue 17): openids bound to debtors with their consent, the last
message each openid sent to the account, each creditor's template message, and the shared access token.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wechat_bindings",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("consent_locale", sa.String(length=8), nullable=False),
        sa.Column("consent_at", When, nullable=False),
        sa.Column("consent_address", sa.String(length=64), nullable=False),
        sa.Column("followed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_at", When, nullable=True),
        sa.Column("contact_point_id", Id, nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'invalid', 'revoked')", name=op.f("ck_wechat_bindings_status_known")
        ),
        sa.CheckConstraint("source IN ('oauth', 'letter')", name=op.f("ck_wechat_bindings_source_known")),
        sa.ForeignKeyConstraint(
            ["debtor_id"],
            ["debtors.id"],
            name=op.f("fk_wechat_bindings_debtor_id_debtors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"],
            ["contact_points.id"],
            name=op.f("fk_wechat_bindings_contact_point_id_contact_points"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_bindings")),
        sa.UniqueConstraint("app_id", "openid", "debtor_id", name="uq_wechat_bindings_openid_debtor"),
    )
    op.create_index("ix_wechat_bindings_openid", "wechat_bindings", ["app_id", "openid"])
    op.create_index("ix_wechat_bindings_debtor", "wechat_bindings", ["debtor_id"])
    op.create_table(
        "wechat_inbound",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("last_inbound_at", When, nullable=False),
        sa.PrimaryKeyConstraint("app_id", "openid", name=op.f("pk_wechat_inbound")),
    )
    op.create_table(
        "wechat_templates",
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_wechat_templates_creditor_id_creditors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("creditor_id", name=op.f("pk_wechat_templates")),
    )
    op.create_table(
        "wechat_session",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", When, nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_wechat_session")),
    )


def downgrade() -> None:
    op.drop_table("wechat_session")
    op.drop_table("wechat_templates")
    op.drop_table("wechat_inbound")
    op.drop_index("ix_wechat_bindings_debtor", table_name="wechat_bindings")
    op.drop_index("ix_wechat_bindings_openid", table_name="wechat_bindings")
    op.drop_table("wechat_bindings")
