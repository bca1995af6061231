"""Quality review of calls (services/call_reviews.py, docs/quality-review.md): the checklists calls are
scored against, one per creditor and pack in versions (a save adds a version; a review names the version
it was scored on and keeps a copy of its items), and the call reviews themselves: a call sampled for a
week (at random, or for its risk with the reasons), and once reviewed, who scored it, each item's
answer, the score and a comment. One review per call."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, String, Table, Text, UniqueConstraint

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

review_checklists = Table(
    "review_checklists",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id", ondelete="CASCADE"),
    Column("pack", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("items", JSON, nullable=False),  # [{"code", "zh", "en", "weight"}], in the order shown
    Column("saved_at", UTCDateTime, nullable=False),
    fk("saved_by", "users.id", nullable=True),
    UniqueConstraint("creditor_id", "pack", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
)


call_reviews = Table(
    "call_reviews",
    metadata,
    id_column(),
    fk("call_id", "calls.id", ondelete="CASCADE"),
    fk("user_id", "users.id"),  # the collector whose call it was
    fk("case_id", "cases.id", ondelete="CASCADE"),
    fk("creditor_id", "creditors.id"),
    Column("week", String(8), nullable=False),  # the ISO week sampled: 2026-W49
    Column("reason", String(8), nullable=False),  # "random" or "risk"
    Column("risk_reasons", JSON, nullable=False, default=list),  # complaint, dispute, opt_out, ...
    Column("sampled_at", UTCDateTime, nullable=False),
    fk("reviewer_id", "users.id", nullable=True),
    fk("checklist_id", "review_checklists.id", nullable=True),  # null: the default checklist
    Column("answers", JSON),  # [{"code", "zh", "en", "weight", "answer"}]: the items as scored
    Column("score", Integer),  # 0..100; null: not reviewed, or every item not applicable
    Column("comment", Text, nullable=False, default=""),
    Column("reviewed_at", UTCDateTime),
    UniqueConstraint("call_id"),
    CheckConstraint("reason IN ('random', 'risk')", name="reason_known"),
    CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    Index("ix_call_reviews_week", "week", "user_id"),
    Index("ix_call_reviews_user", "user_id", "week"),
)
