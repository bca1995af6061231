"""paced ("power") dialling: each collector's session and the cases it passed over

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 05:00:00

Issue 19: the power dialler rings the next case of the collector's work when the previous call has ended
and its outcome is recorded, if the gate allows it at that instant; its state per collector, and the cases
it passed over (the gate's rules, the time it would allow a call again).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "power_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("gap_s", sa.Integer(), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("stopped_at", When, nullable=True),
        sa.Column("stop_reason", sa.String(length=16), nullable=True),
        sa.Column("stop_detail", sa.String(length=200), nullable=True),
        sa.Column("dialled", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("free_since", When, nullable=True),
        sa.Column("stepping_until", When, nullable=True),
        sa.Column("last_case_id", Id, nullable=True),
        sa.Column("last_call_id", Id, nullable=True),
        sa.CheckConstraint("state IN ('running', 'stopped')", name=op.f("ck_power_sessions_state_known")),
        sa.CheckConstraint("gap_s >= 0", name=op.f("ck_power_sessions_gap_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_power_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["last_case_id"], ["cases.id"], name=op.f("fk_power_sessions_last_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["last_call_id"], ["calls.id"], name=op.f("fk_power_sessions_last_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_power_sessions")),
        sa.UniqueConstraint("user_id", name=op.f("uq_power_sessions_user_id")),
    )
    op.create_table(
        "power_skips",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("next_allowed_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_power_skips_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_power_skips_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_power_skips")),
    )
    op.create_index("ix_power_skips_user", "power_skips", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_power_skips_user", table_name="power_skips")
    op.drop_table("power_skips")
    op.drop_table("power_sessions")
