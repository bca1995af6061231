"""The messages people send us (services/inbound.py): each reply as received, whoever carried it, and what
it did. A provider's id makes a replayed callback harmless: (provider, provider_ref) is unique."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, String, Table, Text, UniqueConstraint

from huikuan.storage.tables.base import id_column, metadata
from huikuan.storage.types import UTCDateTime

inbound_messages = Table(
    "inbound_messages",
    metadata,
    id_column(),
    Column("channel", String(12), nullable=False),  # sms, email, wechat
    Column("provider", String(20), nullable=False),
    Column("provider_ref", String(200)),
    Column("sender", String(500), nullable=False),  # E.164 number, e-mail address or openid
    Column("recipient", String(500), nullable=False, default=""),  # our number, address or account
    Column("subject", String(300), nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("received_at", UTCDateTime, nullable=False),
    Column("stored_at", UTCDateTime, nullable=False),
    Column("outcome", String(12), nullable=False),  # opt_out, reply, unknown
    # What it did, answered again to a replay: debtor_ids, case_ids, opted_out, confirmation_id.
    Column("result", JSON, nullable=False, default=dict),
    UniqueConstraint("provider", "provider_ref"),
    Index("ix_inbound_messages_sender", "channel", "sender"),
    # The list of unknown senders' messages, newest first (services/inbound_unknown.py).
    Index("ix_inbound_messages_outcome", "outcome", "received_at"),
)
