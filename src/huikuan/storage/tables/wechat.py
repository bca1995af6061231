"""WeChat official-account messaging (channels/wechat/, services/wechat_*.py): which openid is bound to which
debtor and with what consent, when each openid last wrote to the account (the 48-hour rule of
customer-service messages), each creditor's template message, and the access token shared by every
process."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from huikuan.storage.tables.base import Id, fk, id_column, metadata
from huikuan.storage.types import UTCDateTime

BINDING_STATUSES = ("active", "invalid", "revoked")

# An openid of our official account (app_id) bound to a debtor, with the consent the person confirmed:
# the text shown, when, and from which address. `followed` is false once the person unfollowed the
# account (an event, or error 43004); `status` is "invalid" once WeChat answered 40003 for it.
wechat_bindings = Table(
    "wechat_bindings",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("app_id", String(32), nullable=False),
    Column("openid", String(64), nullable=False),
    Column("source", String(12), nullable=False),  # "oauth" (the portal) or "letter" (its QR code)
    Column("consent_text", Text, nullable=False),
    Column("consent_locale", String(8), nullable=False),
    Column("consent_at", UTCDateTime, nullable=False),
    Column("consent_address", String(64), nullable=False),
    Column("followed", Boolean, nullable=False, default=True),
    Column("status", String(12), nullable=False, default="active"),
    Column("status_at", UTCDateTime),
    fk("contact_point_id", "contact_points.id", nullable=True, ondelete="SET NULL"),
    CheckConstraint("status IN ('active', 'invalid', 'revoked')", name="status_known"),
    CheckConstraint("source IN ('oauth', 'letter')", name="source_known"),
    UniqueConstraint("app_id", "openid", "debtor_id", name="uq_wechat_bindings_openid_debtor"),
    Index("ix_wechat_bindings_openid", "app_id", "openid"),
    Index("ix_wechat_bindings_debtor", "debtor_id"),
)

# When an openid last sent a message to the account: customer-service messages may answer it for 48 hours.
wechat_inbound = Table(
    "wechat_inbound",
    metadata,
    Column("app_id", String(32), primary_key=True),
    Column("openid", String(64), primary_key=True),
    Column("last_inbound_at", UTCDateTime, nullable=False),
)

# A creditor's approved template message: its id and which of our fields fills each keyword.
wechat_templates = Table(
    "wechat_templates",
    metadata,
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Column("template_id", String(64), nullable=False),
    Column("fields", JSON, nullable=False, default=dict),
    Column("updated_at", UTCDateTime, nullable=False),
)

# wechatpy's session storage (the access token and its expiry), shared by the web and job processes.
wechat_session = Table(
    "wechat_session",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", UTCDateTime),
)
