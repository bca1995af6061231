"""The SMS templates each creditor had approved at each provider (services/sms_templates.py): Aliyun and
Tencent Cloud send only a template (and signature) approved in advance, named by the provider's code; our
template key (reminder, payment_thanks ...) is looked up here for the message's creditor and provider."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table

from huikuan.storage.tables.base import Id, metadata
from huikuan.storage.types import UTCDateTime

sms_templates = Table(
    "sms_templates",
    metadata,
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Column("provider", String(20), primary_key=True),  # aliyun, tencent, twilio
    Column("template_name", String(100), primary_key=True),  # our template key
    Column("provider_template_code", String(100), nullable=False),  # SMS_123456789, 1234567, or ""
    Column("sign_name", String(100), nullable=False, default=""),  # the approved signature (签名)
    # The template's variables in the provider's order, comma-separated (Tencent's TemplateParamSet).
    Column("params", String(300), nullable=False, default=""),
    Column("updated_at", UTCDateTime, nullable=False),
)
