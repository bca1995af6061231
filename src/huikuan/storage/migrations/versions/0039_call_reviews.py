"""quality review of calls: checklists and call reviews

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 01:00:00

Issue 19: the checklist each creditor and pack scores its calls against, in versions, and the weekly
sample of calls under review (why each was sampled, who scored it, the answers, score and comment).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_checklists",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("pack", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("saved_at", When, nullable=False),
        sa.Column("saved_by", Id, nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_review_checklists_version_positive")),
        sa.ForeignKeyConstraint(
            ["creditor_id"],
            ["creditors.id"],
            name=op.f("fk_review_checklists_creditor_id_creditors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["saved_by"], ["users.id"], name=op.f("fk_review_checklists_saved_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_checklists")),
        sa.UniqueConstraint("creditor_id", "pack", "version", name=op.f("uq_review_checklists_creditor_id")),
    )
    op.create_table(
        "call_reviews",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("call_id", Id, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("risk_reasons", sa.JSON(), nullable=False),
        sa.Column("sampled_at", When, nullable=False),
        sa.Column("reviewer_id", Id, nullable=True),
        sa.Column("checklist_id", Id, nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewed_at", When, nullable=True),
        sa.CheckConstraint("reason IN ('random', 'risk')", name=op.f("ck_call_reviews_reason_known")),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)", name=op.f("ck_call_reviews_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_reviews_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_call_reviews_user_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_call_reviews_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_call_reviews_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_call_reviews_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["review_checklists.id"],
            name=op.f("fk_call_reviews_checklist_id_review_checklists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reviews")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_reviews_call_id")),
    )
    op.create_index("ix_call_reviews_week", "call_reviews", ["week", "user_id"])
    op.create_index("ix_call_reviews_user", "call_reviews", ["user_id", "week"])


def downgrade() -> None:
    op.drop_index("ix_call_reviews_user", table_name="call_reviews")
    op.drop_index("ix_call_reviews_week", table_name="call_reviews")
    op.drop_table("call_reviews")
    op.drop_table("review_checklists")
