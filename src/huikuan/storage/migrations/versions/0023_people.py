"""people

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:15:00

The people of the floor (issue 15): users' shifts and what the users' and teams' pages keep.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
