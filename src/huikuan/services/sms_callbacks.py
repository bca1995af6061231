"""The SMS providers' callbacks, once the route has checked where they come from: delivery reports
applied to the messages they name (delivery_reports.mark_delivered), replies handed to services/inbound."""

from __future__ import annotations

from datetime import datetime

from huikuan.channels.inbound import Inbound
from huikuan.channels.sms.callbacks import Report
from huikuan.errors import NotFound
from huikuan.services.delivery_reports import mark_delivered
from huikuan.services.inbound import receive
from huikuan.storage.uow import UnitOfWork


def apply_reports(uow: UnitOfWork, reports: list[Report]) -> dict[str, int]:
    """Applies each report; one for a message we did not send (another system on the same account) is
    counted and skipped, so the rest of the batch still applies."""
    counts = {"applied": 0, "unknown": 0}
    for report in reports:
        try:
            mark_delivered(
                uow, report.provider_ref, report.status, error=report.error, invalid=report.invalid
            )
        except NotFound:
            uow.rollback()
            counts["unknown"] += 1
        else:
            counts["applied"] += 1
    return counts


def receive_replies(uow: UnitOfWork, replies: list[Inbound], now: datetime) -> int:
    """Hands each reply to services/inbound (an opt-out keyword stops SMS to that number at once)."""
    for reply in replies:
        receive(uow, reply, now=now)
    return len(replies)
