"""The `monthly-reports` job and the e-mailing of a monthly report (services/monthly_report.py).

Once a month has ended and the `reports` job has taken its month-end snapshot, the job makes the report of
every creditor that has report recipients (services/report_recipients.py) and no report of that month
yet, and e-mails it, the PDF attached, through the e-mail channel (channels/email). Without a mail server
(HUIKUAN_SMTP_HOST empty), or when the server refuses or cannot be reached, the report is kept all the
same and counted `not_sent`: it is on the creditor's portal, and `huikuan monthly-report CODE --send`
sends it again. The job never fails for want of mail. Each sending is audited (by count, not address).

Each recipient's sending is recorded (monthly_report_sends): the job's next run sends the kept report again
to each recipient it was not yet handed over to (while that month is still last month and the address is
still a recipient), and never again to one it was handed over to.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from huikuan.channels import email
from huikuan.channels.base import DefinitiveFailure, Outgoing, TransientFailure
from huikuan.config import Settings, get_settings
from huikuan.i18n import gettext
from huikuan.services.monthly_report import (
    Made,
    creditor_row,
    has_report,
    last_month,
    make_report,
    ready,
    stored_report,
)
from huikuan.services.report_recipients import creditors_with_recipients
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def send_report(
    uow: UnitOfWork,
    made: Made,
    creditor_id: int,
    recipients: list[str],
    now: datetime,
    settings: Settings | None = None,
) -> bool:
    """E-mails the report to each recipient, the PDF attached, recording each one's sending; whether
    every one was handed over."""
    if not recipients:
        return False
    transport = email.transport(settings or get_settings())
    if transport is None:
        _record_sends(uow, creditor_id, made.month, recipients, set(), now)
        return False
    subject = gettext(
        "Monthly report {month}: {creditor}", made.locale, month=made.month, creditor=made.creditor_code
    )
    body = gettext(
        "The monthly report of {creditor} for {month} is attached (PDF). It is also on your portal.",
        made.locale,
        creditor=made.creditor_code,
        month=made.month,
    )
    delivered: set[str] = set()
    for address in recipients:
        message = Outgoing(
            id=made.document_id,
            channel=email.KIND,
            to=address,
            subject=subject,
            body=body,
            locale=made.locale,
            recipient_name="",
            reference=made.creditor_code,
            now=now,
            attachments=((made.filename, "application/pdf", made.data),),
        )
        try:
            transport.send(message)
            delivered.add(address)
        except (TransientFailure, DefinitiveFailure) as exc:
            log.warning("monthly report %s not sent: %s", made.filename, exc)
    _record_sends(uow, creditor_id, made.month, recipients, delivered, now)
    uow.begin_write()
    record(
        uow.session,
        at=now,
        user_id=None,
        action="monthly_report.sent",
        entity="creditor",
        entity_id=creditor_id,
        detail={"document_id": made.document_id, "recipients": len(recipients), "delivered": len(delivered)},
    )
    uow.commit()
    return len(delivered) == len(recipients)


def _record_sends(
    uow: UnitOfWork, creditor_id: int, month: str, recipients: list[str], delivered: set[str], now: datetime
) -> None:
    """One more attempt for each recipient; sent (once) for those handed over."""
    s = t.monthly_report_sends.c
    uow.begin_write()
    known = {
        row.email: row
        for row in uow.session.execute(
            select(s.email, s.attempts, s.sent_at).where(s.creditor_id == creditor_id, s.month == month)
        )
    }
    for address in dict.fromkeys(recipients):
        sent_at = now if address in delivered else None
        row = known.get(address)
        if row is None:
            uow.session.execute(
                insert(t.monthly_report_sends).values(
                    creditor_id=creditor_id,
                    month=month,
                    email=address,
                    attempts=1,
                    last_attempt_at=now,
                    sent_at=sent_at,
                )
            )
        else:
            uow.session.execute(
                update(t.monthly_report_sends)
                .where(s.creditor_id == creditor_id, s.month == month, s.email == address)
                .values(attempts=row.attempts + 1, last_attempt_at=now, sent_at=row.sent_at or sent_at)
            )
    uow.commit()


def unsent(uow: UnitOfWork, creditor_id: int, month: str, recipients: list[str]) -> list[str]:
    """The recipients whose sending of the month's report was tried and has not succeeded yet."""
    s = t.monthly_report_sends.c
    pending = set(
        uow.session.execute(
            select(s.email).where(s.creditor_id == creditor_id, s.month == month, s.sent_at.is_(None))
        ).scalars()
    )
    return [address for address in recipients if address in pending]


def monthly_reports(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The job: last month's report of each creditor with recipients and none yet, made and e-mailed; a
    report kept but not handed over to some recipients is e-mailed again to them."""
    now = now.astimezone(UTC)
    month = last_month(now)
    counts = {"made": 0, "sent": 0, "not_sent": 0}
    if not ready(uow, month, now):
        return counts
    c = t.creditors.c
    for creditor_id, recipients in creditors_with_recipients(uow):
        code = uow.session.execute(select(c.code).where(c.id == creditor_id)).scalar_one()
        creditor = creditor_row(uow, code)
        if has_report(uow, creditor, month):
            pending = unsent(uow, creditor_id, month, recipients)
            kept = stored_report(uow, creditor, month) if pending else None
            if kept is None:
                continue
            made = kept
        else:
            made, pending = make_report(uow, creditor, month, now), recipients
            counts["made"] += 1
        counts["sent" if send_report(uow, made, creditor_id, pending, now) else "not_sent"] += 1
    return counts


__all__ = ["monthly_reports", "send_report", "unsent"]
