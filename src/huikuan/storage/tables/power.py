"""Paced ("power") dialling (services/power_dial.py, docs/telephony.md): one row per collector who has
ever started it, saying whether it runs, its pace (the seconds the collector is left free between one
call's end and the next dial), what it has done since it was started, and its step in progress (so that
two windows of the same collector never dial twice at once); and the cases it passed over since then,
with the gate's rules and the time the gate would allow a call again (a case comes back once that time
has passed)."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, String, Table, UniqueConstraint

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

power_sessions = Table(
    "power_sessions",
    metadata,
    id_column(),
    fk("user_id", "users.id", ondelete="CASCADE"),
    Column("state", String(8), nullable=False),  # "running" or "stopped"
    Column("gap_s", Integer, nullable=False),  # seconds free between a call's end and the next dial
    Column("started_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime),
    # Why it stopped: "collector", "nothing_due", "no_telephony", "provider" (its words in stop_detail).
    Column("stop_reason", String(16)),
    Column("stop_detail", String(200)),
    Column("dialled", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("free_since", UTCDateTime),  # when the collector was first seen free since the last call
    Column("stepping_until", UTCDateTime),  # a step in progress holds the session until then
    fk("last_case_id", "cases.id", nullable=True),
    fk("last_call_id", "calls.id", nullable=True),
    UniqueConstraint("user_id"),
    CheckConstraint("state IN ('running', 'stopped')", name="state_known"),
    CheckConstraint("gap_s >= 0", name="gap_not_negative"),
)

power_skips = Table(
    "power_skips",
    metadata,
    id_column(),
    fk("user_id", "users.id", ondelete="CASCADE"),
    fk("case_id", "cases.id", ondelete="CASCADE"),
    Column("at", UTCDateTime, nullable=False),
    Column("rules", JSON, nullable=False),  # the gate's rules, or ["no-phone"]: no number to ring
    Column("next_allowed_at", UTCDateTime),  # the gate's next allowed time; null: not this session
    Index("ix_power_skips_user", "user_id", "at"),
)
