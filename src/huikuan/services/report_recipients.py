"""Who a creditor's monthly report is e-mailed to (services/monthly_report.py): a short list of addresses
per creditor, set by an administrator on the creditor's page or with `huikuan monthly-report-recipients`.
Each change is audited by field name (`report_recipients`) and count, never by the addresses."""

from __future__ import annotations

import re

from sqlalchemy import select

from huikuan.errors import InvalidInput
from huikuan.services.creditor_setting import replace_setting
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

MAX_RECIPIENTS = 10
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+$")


def recipients_of(uow: UnitOfWork, creditor_id: int) -> list[str]:
    r = t.report_recipients.c
    found = uow.session.execute(select(r.emails).where(r.creditor_id == creditor_id)).scalar()
    return list(found or [])


def parse_recipients(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines -> lower-cased, each once, in order;
    anything that is not an address is refused."""
    found: list[str] = []
    for part in re.split(r"[,;\s]+", text):
        address = part.strip().lower()
        if not address:
            continue
        if len(address) > 254 or not _EMAIL.match(address):
            raise InvalidInput("report recipients: {value} is not an email address", value=part.strip())
        if address not in found:
            found.append(address)
    if len(found) > MAX_RECIPIENTS:
        raise InvalidInput("report recipients: at most {max} addresses", max=MAX_RECIPIENTS)
    return found


def set_recipients(uow: UnitOfWork, user_id: int | None, creditor_id: int, emails: list[str]) -> None:
    """Replaces the creditor's recipients (empty: none) and audits the change; commits."""
    replace_setting(
        uow,
        t.report_recipients,
        creditor_id,
        {"emails": emails} if emails else None,
        user_id=user_id,
        action="creditor.update",
        detail={"changed": ["report_recipients"], "recipients": len(emails)},
    )


def creditors_with_recipients(uow: UnitOfWork) -> list[tuple[int, list[str]]]:
    """(creditor id, its addresses) of every creditor that has any, by id."""
    r = t.report_recipients.c
    rows = uow.session.execute(select(r.creditor_id, r.emails).order_by(r.creditor_id)).all()
    return [(int(row.creditor_id), list(row.emails)) for row in rows if row.emails]


__all__ = [
    "MAX_RECIPIENTS",
    "creditors_with_recipients",
    "parse_recipients",
    "recipients_of",
    "set_recipients",
]
