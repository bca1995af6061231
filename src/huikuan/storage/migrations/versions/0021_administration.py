"""administration

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 10:15:00

Administration (issue 15): the message templates edited in the browser and what the creditors' and
channels' pages keep.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
