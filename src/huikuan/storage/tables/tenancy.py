"""Tenancy: which creditors each team and each user serves (services/access.py reads them, services/
tenancy.py writes them). A user's own rows, if it has any, else its team's, else (no rows at all) every
creditor."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Table

from huikuan.storage.tables.base import Id, metadata

team_creditors = Table(
    "team_creditors",
    metadata,
    Column("team_id", Id, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_team_creditors_creditor", "creditor_id"),
)


user_creditors = Table(
    "user_creditors",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_user_creditors_creditor", "creditor_id"),
)
