"""The agency: creditors, teams, users, their sessions and API keys, login attempts, scripts and job
leases."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

creditors = Table(
    "creditors",
    metadata,
    id_column(),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("region", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("pack", String(40), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("pack_overrides", JSON, nullable=False, default=dict),
    Column("authority_policy", JSON, nullable=False, default=dict),
    Column("header_mapping", JSON, nullable=False, default=dict),
    # Years after a debtor's last account closes before its personal data is anonymised; null: the pack's.
    # Checked by services/creditors.py (a CHECK would make SQLite rebuild a table that others refer to).
    Column("retention_years", Integer),
    # A sandbox creditor's messages are never handed to a provider: marked sent as "sandbox-<id>".
    Column("sandbox", Boolean, nullable=False, server_default=false()),
)


teams = Table(
    "teams",
    metadata,
    id_column(),
    Column("name", String(100), nullable=False, unique=True),
    Column("languages", JSON, nullable=False, default=list),
)


users = Table(
    "users",
    metadata,
    id_column(),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False, default=""),
    fk("team_id", "teams.id", nullable=True),
    fk("creditor_id", "creditors.id", nullable=True),
    Column("locale", String(10), nullable=False, default="zh_CN"),
    Column("time_zone", String(64)),  # where times are shown to this user; unset: the floor's zone
    Column("languages", JSON, nullable=False, default=list),
    Column("skills", JSON, nullable=False, default=list),
    # When this user works: [{"days": [0..6] (0 Monday), "start": "09:00", "end": "18:00"}] (see
    # services/shifts.py)
    Column("shifts", JSON, nullable=False, default=list, server_default="[]"),
    Column("active", Boolean, nullable=False, default=True),
    Column("password_changed_at", UTCDateTime),
    Column("totp_secret", String(160)),  # the second factor's shared secret once enrolled, sealed
    Column("totp_last_step", BigInteger),  # the last time step accepted: a code is never taken twice
    # The seat the telephone system rings first when this user clicks to call (an extension, a SIP user or
    # a phone number; channels/telephony.py); unset: this user's calls are dialled elsewhere.
    Column("phone_extension", String(64)),
    CheckConstraint("role IN ('admin', 'supervisor', 'collector', 'creditor_viewer')", name="role"),
)


# A browser's logged-in session, kept on the server so it can end: the cookie holds only a random token
# whose SHA-256 is kept here. It ends on logout, after the idle or absolute timeout, when an administrator
# revokes it, or when its user's password changes or the user is deactivated.
user_sessions = Table(
    "user_sessions",
    metadata,
    id_column(),
    Column("token_hash", String(64), nullable=False, unique=True),
    fk("user_id", "users.id"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ip", String(64), nullable=False),
    Column("user_agent", String(200), nullable=False, default=""),
    Column("ended_at", UTCDateTime),
    Column("end_reason", String(20)),
    fk("ended_by", "users.id", nullable=True),
    Index("ix_user_sessions_user_id", "user_id"),
)


# Keys of machine clients (a creditor's system, the compliance API's callers): each acts as one user, with
# that user's role and scope; only the SHA-256 of the key is kept.
api_keys = Table(
    "api_keys",
    metadata,
    id_column(),
    fk("user_id", "users.id"),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    fk("created_by", "users.id", nullable=True),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)


# What a collector says, by stage and segment (null: any segment), in each language; supervisors edit it.
scripts = Table(
    "scripts",
    metadata,
    id_column(),
    Column("stage", String(20), nullable=False),
    Column("segment", String(40), nullable=False, default=""),
    Column("locale", String(10), nullable=False),
    Column("opening", Text, nullable=False),
    Column("objections", JSON, nullable=False, default=list),  # [{"objection": ..., "answer": ...}]
    fk("updated_by", "users.id", nullable=True),
    Column("updated_at", UTCDateTime),
    UniqueConstraint("stage", "segment", "locale"),
)


# A collector's leave or absence (services/workload.py): its cases due on those days go to its team.
absences = Table(
    "absences",
    metadata,
    id_column(),
    fk("user_id", "users.id"),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),  # the last day away, inclusive
    Column("note", String(200), nullable=False, default=""),
    fk("set_by", "users.id"),
    Column("set_at", UTCDateTime, nullable=False),
    CheckConstraint("ends_on >= starts_on", name="days_in_order"),
    Index("ix_absences_user_id", "user_id", "starts_on"),
)


# Login attempts, for throttling guessing (per user name and per address).
login_attempts = Table(
    "login_attempts",
    metadata,
    id_column(),
    Column("username", String(80), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_username_at", "username", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)


# One lease per job, so that `huikuan jobs run` started by several processes runs each job once at a time.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", String(100)),
    Column("expires_at", UTCDateTime),
    Column("last_run_at", UTCDateTime),
    Column("last_result", JSON, nullable=False, default=dict),
)
