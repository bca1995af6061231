"""people

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:15:00

The people of the floor (issue 15): users' shifts and what the users' and teams' pages keep.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # When each user works: a list of {"days": [0..6], "start": "HH:MM", "end": "HH:MM"}; none yet.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shifts", sa.JSON(), nullable=False, server_default="[]"))
    # The audit viewer: a kind (and the list of kinds) or a user, newest first, on a log of millions.
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"])
    op.create_index("ix_audit_events_user_at", "audit_events", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_user_at", table_name="audit_events")
    op.drop_index("ix_audit_events_action_at", table_name="audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("shifts")
