"""Calls placed through the floor's telephone system (channels/telephony.py, services/calls.py): one row
per click (or per case the power dialler rings), made when the gate allowed it at that instant, with the
interaction it counts as from that moment, so the gate's frequency and daily-cap rules see the attempt
before any record comes back. The provider's call record fills it in (answered, ring and talk time, who
hung up, the number actually dialled, sealed); its recording is kept in the document store under
`recording_key` until the pack's retention ends (`recording_deleted_at`)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, Index, Integer, String, Table, UniqueConstraint, text

from huikuan.storage.tables.base import fk, id_column, metadata
from huikuan.storage.types import Sealed, UTCDateTime

# A recording named by the provider, not kept yet and not deleted: as the fetch's query writes it.
RECORDING_DUE = "recording_ref IS NOT NULL AND recording_key IS NULL AND recording_deleted_at IS NULL"

calls = Table(
    "calls",
    metadata,
    id_column(),
    fk("case_id", "cases.id"),
    fk("debtor_id", "debtors.id"),
    fk("contact_point_id", "contact_points.id", nullable=True),
    fk("user_id", "users.id", nullable=True),  # the collector whose seat rang
    fk("interaction_id", "interactions.id", nullable=True),  # the contact it counts as
    Column("provider", String(16), nullable=False),  # "aliyun", "twilio" or "asterisk"
    Column("provider_ref", String(128)),  # the provider's id, once it accepted the call
    Column("mode", String(8), nullable=False, default="click"),  # "click" or "power"
    # "placing" (asked of the provider), "placed" (accepted), "ended" (its record came), "failed"
    Column("state", String(12), nullable=False, default="placing"),
    Column("asked_at", UTCDateTime, nullable=False),  # the instant the gate allowed it
    Column("decision_id", String(64)),
    Column("extension", String(64), nullable=False, default=""),
    Column("announce_recording", Boolean, nullable=False, default=False),
    Column("error", String(200)),  # the provider's words when it refused the call
    # The provider's call record.
    Column("started_at", UTCDateTime),
    Column("answered", Boolean),
    Column("ring_seconds", Integer),
    Column("talk_seconds", Integer),
    Column("hung_up_by", String(12)),
    Column("dialled", Sealed()),  # the number actually dialled, sealed as a national ID is
    Column("record_source", String(12)),  # "callback" or "reconcile": how the record reached us
    Column("recorded_at", UTCDateTime),
    # Its recording: the provider's reference, where the document store keeps it, and when it was deleted.
    Column("recording_ref", String(255)),
    Column("recording_key", String(255)),
    Column("recording_bytes", Integer),
    Column("recording_fetched_at", UTCDateTime),
    Column("recording_deleted_at", UTCDateTime),
    CheckConstraint("ring_seconds IS NULL OR ring_seconds >= 0", name="ring_not_negative"),
    CheckConstraint("talk_seconds IS NULL OR talk_seconds >= 0", name="talk_not_negative"),
    UniqueConstraint("provider", "provider_ref"),
    Index("ix_calls_case", "case_id", "asked_at"),
    Index("ix_calls_user", "user_id", "asked_at"),
    Index("ix_calls_state", "state", "asked_at"),
    # The recordings still to fetch (services/call_recordings.py `to_fetch`, every 5 minutes): a few calls
    # out of all, read without a scan.
    Index(
        "ix_calls_recording_due",
        "id",
        sqlite_where=text(RECORDING_DUE),
        postgresql_where=text(RECORDING_DUE),
    ),
)
