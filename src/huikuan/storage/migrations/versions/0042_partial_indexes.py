"""two partial indexes: the points the consumer wrote from, the recordings still to fetch

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 08:10:00

Issue 17: before every e-mail and text the safe harbour asks which of the points the consumer wrote to
the agency from (services/safe_harbour.py); with no index on interactions.contact_point_id that was a scan
of every interaction, per message written by hand and per batch of the plan's messages (at 220,000
accounts the plan-dispatch job spent ~0.14 s a batch on it). A partial index of the inbound contacts.
And the call-recordings job's query (every 5 minutes) scanned every call for the few whose recording is
still to fetch.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_interactions_inbound_point",
        "interactions",
        ["contact_point_id", "channel"],
        sqlite_where=sa.text("direction = 'inbound'"),
        postgresql_where=sa.text("direction = 'inbound'"),
    )

    due = "recording_ref IS NOT NULL AND recording_key IS NULL AND recording_deleted_at IS NULL"
    op.create_index(
        "ix_calls_recording_due",
        "calls",
        ["id"],
        sqlite_where=sa.text(due),
        postgresql_where=sa.text(due),
    )


def downgrade() -> None:
    op.drop_index("ix_calls_recording_due", table_name="calls")
    op.drop_index("ix_interactions_inbound_point", table_name="interactions")
