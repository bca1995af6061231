"""calls placed through the floor's telephone system

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07 00:30:00

Issue 19: a call placed by click (or by the power dialler) once the gate allowed it at that instant, the
interaction it counts as, the provider's call record (answered, ring and talk time, who hung up, the
number dialled, sealed) and its recording's place in the document store until the pack's retention ends;
and the seat each user's calls ring first.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("debtor_id", Id, nullable=False),
        sa.Column("contact_point_id", Id, nullable=True),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("interaction_id", Id, nullable=True),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_ref", sa.String(length=128), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("asked_at", When, nullable=False),
        sa.Column("decision_id", sa.String(length=64), nullable=True),
        sa.Column("extension", sa.String(length=64), nullable=False),
        sa.Column("announce_recording", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("started_at", When, nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=True),
        sa.Column("ring_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("hung_up_by", sa.String(length=12), nullable=True),
        sa.Column("dialled", sa.String(length=200), nullable=True),
        sa.Column("record_source", sa.String(length=12), nullable=True),
        sa.Column("recorded_at", When, nullable=True),
        sa.Column("recording_ref", sa.String(length=255), nullable=True),
        sa.Column("recording_key", sa.String(length=255), nullable=True),
        sa.Column("recording_bytes", sa.Integer(), nullable=True),
        sa.Column("recording_fetched_at", When, nullable=True),
        sa.Column("recording_deleted_at", When, nullable=True),
        sa.CheckConstraint(
            "ring_seconds IS NULL OR ring_seconds >= 0", name=op.f("ck_calls_ring_not_negative")
        ),
        sa.CheckConstraint(
            "talk_seconds IS NULL OR talk_seconds >= 0", name=op.f("ck_calls_talk_not_negative")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_calls_case_id_cases")),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtors.id"], name=op.f("fk_calls_debtor_id_debtors")),
        sa.ForeignKeyConstraint(
            ["contact_point_id"], ["contact_points.id"], name=op.f("fk_calls_contact_point_id_contact_points")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calls_user_id_users")),
        sa.ForeignKeyConstraint(
            ["interaction_id"], ["interactions.id"], name=op.f("fk_calls_interaction_id_interactions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("provider", "provider_ref", name=op.f("uq_calls_provider")),
    )
    op.create_index("ix_calls_case", "calls", ["case_id", "asked_at"])
    op.create_index("ix_calls_user", "calls", ["user_id", "asked_at"])
    op.create_index("ix_calls_state", "calls", ["state", "asked_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone_extension", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone_extension")
    op.drop_index("ix_calls_state", table_name="calls")
    op.drop_index("ix_calls_user", table_name="calls")
    op.drop_index("ix_calls_case", table_name="calls")
    op.drop_table("calls")
