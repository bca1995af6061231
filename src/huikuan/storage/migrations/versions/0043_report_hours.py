"""each collector's logged-in time per day, for the figures per collector-hour

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 08:30:00

Issue 16: collected, cost and contacts per collector-hour. The hours are the collectors' logged-in time
(their browser sessions, from login to the last activity), kept per floor day by the `reports` job;
`huikuan reports refresh --from DAY` counts past days.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_hours",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_hours_day", "report_hours", ["day"])


def downgrade() -> None:
    op.drop_index("ix_report_hours_day", table_name="report_hours")
    op.drop_table("report_hours")
