"""The third factor of the debtor's identity check, where the creditor asks for it
(`authority_policy.self_service.identity_code`): a one-time code sent to the debtor's mobile on file.

After the two questions (services/debtor_links.py), `send_code` makes a CODE_DIGITS-digit code valid
CODE_MINUTES minutes, keeps only its keyed hash on the link and queues it by SMS through the gate (a code
the gate refuses now, at night for instance, is not sent, and the page says so). `check_code` opens the
visit for the right code; a wrong or expired one counts against the link and the address exactly as a wrong
answer to the questions does, with the same refusal. Audited as `debtor_link.code_sent` and
`debtor_link.check` (never the code).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from huikuan.config import get_settings
from huikuan.errors import ComplianceRefused
from huikuan.i18n import gettext
from huikuan.local_secrets import local_secret
from huikuan.services.contacts import queue_message
from huikuan.services.debtor_links import (
    CHECKED,
    PassedCheck,
    address_key,
    address_throttle,
    audit_check,
    record_failure,
)
from huikuan.services.outbox import first_point
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CODE_DIGITS = 6
CODE_MINUTES = 10
SENT = "debtor_link.code_sent"


def _code_hash(link_id: int, code: str) -> str:
    key = local_secret("secret_key", get_settings().secret_key).encode()
    return hmac.new(key, f"debtor-code:{link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(uow: UnitOfWork, link_id: int, *, now: datetime | None = None) -> bool:
    """Makes the link's one-time code and queues it by SMS to the debtor's mobile, through the gate;
    commits. False when there is no mobile on file or the gate refuses a message now (no code then)."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    lk, c, d = t.debtor_links.c, t.cases.c, t.debtors.c
    row = uow.session.execute(
        select(lk.case_id, c.debtor_id, d.language)
        .select_from(t.debtor_links.join(t.cases, c.id == lk.case_id).join(t.debtors, d.id == c.debtor_id))
        .where(lk.id == link_id)
    ).one()
    mobile = first_point(uow, int(row.debtor_id), "mobile")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    values = {"code_hash": _code_hash(link_id, code), "code_expires_at": at + timedelta(minutes=CODE_MINUTES)}
    uow.session.execute(update(t.debtor_links).where(lk.id == link_id).values(**values))
    locale = "zh_CN" if (row.language or "zh") == "zh" else "en"
    body = gettext(
        "Your code is {code}. It is valid for {minutes} minutes.", locale, code=code, minutes=CODE_MINUTES
    )
    sent = mobile is not None
    if mobile is not None:
        try:
            queue_message(
                uow,
                int(row.case_id),
                channel="sms",
                contact_point_id=mobile,
                body=body,
                template="debtor_code",
                at=at,
                locale=locale,
            )  # commits
        except ComplianceRefused:
            sent = False
    if not sent:
        uow.session.execute(
            update(t.debtor_links).where(lk.id == link_id).values(code_hash=None, code_expires_at=None)
        )
    detail = {"link_id": link_id, "sent": sent}
    audit_check(uow, SENT, int(row.case_id), detail, at)
    uow.commit()
    return sent


def check_code(
    uow: UnitOfWork, link_id: int, code: str, *, address: str, now: datetime | None = None
) -> PassedCheck:
    """Opens the visit for the link's code, once; audited, commits. CheckFailed (the one refusal) for a
    wrong or expired code or a link locked or expired meanwhile; Throttled past the address's limit."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    who = address_key(address)
    address_throttle(uow, who, at)
    lk = t.debtor_links.c
    link = uow.session.execute(
        select(lk.id, lk.case_id, lk.expires_at, lk.locked_at, lk.failures, lk.code_hash, lk.code_expires_at)
        .where(lk.id == link_id)
        .with_for_update()
    ).one_or_none()
    why = None
    if link is None or link.locked_at is not None or link.expires_at <= at:
        why = "unknown" if link is None else ("locked" if link.locked_at is not None else "expired")
    elif link.code_hash is None or link.code_expires_at is None or link.code_expires_at <= at:
        why = "code_expired"
    elif not hmac.compare_digest(link.code_hash, _code_hash(link_id, code.strip())):
        why = "wrong_code"
    if why is not None or link is None:
        raise record_failure(uow, who, link, why or "unknown", at)
    done = {"passed_at": at, "failures": 0, "code_hash": None, "code_expires_at": None}
    uow.session.execute(update(t.debtor_links).where(lk.id == link_id).values(**done))
    detail = {"link_id": link_id, "passed": True, "by": "code"}
    audit_check(uow, CHECKED, int(link.case_id), detail, at)
    uow.commit()
    return PassedCheck(link_id, int(link.case_id))


__all__ = ["CODE_DIGITS", "CODE_MINUTES", "check_code", "send_code"]
