"""The monthly report per creditor (services/monthly_report.py): the addresses each creditor's report is
e-mailed to. The reports themselves are documents (kind "monthly_report", under the creditor)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Table

from huikuan.storage.tables.base import Id, metadata
from huikuan.storage.types import UTCDateTime

# A creditor's report recipients: a list of e-mail addresses (none: no report is made by the job).
report_recipients = Table(
    "report_recipients",
    metadata,
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Column("emails", JSON, nullable=False, default=list),
    Column("updated_at", UTCDateTime, nullable=False),
)
