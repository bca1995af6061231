"""workload

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:15:00

Workload (issue 15): each case's open balance kept on the case, collectors' absences, and what the
queues sort and filter by.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
