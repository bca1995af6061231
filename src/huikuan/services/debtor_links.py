"""The debtor's private link to the case's own pages (/d), and the identity check that opens it.

A link belongs to one case and expires (LINK_DAYS by default). Only the SHA-256 of its token is kept: the
token (32 random bytes) is in the link and nowhere else, so the table alone opens nothing.

Opening the link asks two things before anything about the debt is shown: the last four characters of
the national ID (of an account number where the pack is not cn's or no ID is on file) and the date of
birth; never the birth date alone. The answer to an unknown, expired or locked link and to a wrong answer
is one and the same, so nothing tells whether a link or a person exists. Each wrong answer counts against
the link, which locks at its FAILURES_TO_LOCK-th, and against the address it came from (kept as a keyed
hash): ADDRESS_FAILURES_PER_HOUR wrong answers from one address in an hour and it may try no more until
the oldest is an hour old. Every check is audited (`debtor_link.check`: the link, whether it passed and
why not; never the values typed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from huikuan.config import Settings, get_settings
from huikuan.domain.national_id import normalise_national_id, prc_birth_date
from huikuan.errors import InvalidInput, NotFound, Throttled
from huikuan.i18n import gettext
from huikuan.local_secrets import local_secret
from huikuan.sealing import unseal
from huikuan.services.contacts import queue_message
from huikuan.services.outbox import first_point
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

LINK_DAYS = 14
LETTER_LINK_DAYS = 45  # a link printed on a letter: the post takes days, and a letter is kept a while
MAX_LINK_DAYS = 90
FAILURES_TO_LOCK = 5
ADDRESS_FAILURES_PER_HOUR = 10
WINDOW = timedelta(hours=1)
COUNTED = frozenset({"no_match", "wrong_code"})  # the wrong answers that count against an open link
PATH = "/d/"
SEND_POINT_KINDS = {"sms": "mobile", "email": "email", "wechat": "wechat"}
NO_MATCH = (
    "We could not open this page with these details. Check what you typed; if the link is old, ask us "
    "for a new one."
)
CHECKED, CREATED, LOCKED, REFUSED = (
    "debtor_link.check",
    "debtor_link.created",
    "debtor_link.locked",
    "debtor_link.check_refused",
)


class CheckFailed(InvalidInput):
    """The identity check did not open the link: a wrong answer, or a link unknown, expired or locked
    (one message for all, on purpose)."""


@dataclass(frozen=True)
class NewDebtorLink:
    link_id: int
    case_id: int
    token: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class DebtorAnswers:
    """What the visitor typed: the last four characters (of the ID or an account number), the birth date."""

    last4: str
    birth_date: date | None


@dataclass(frozen=True)
class PassedCheck:
    link_id: int
    case_id: int
    needs_code: bool = False  # the creditor asks for a one-time code too: the visit starts only after it


@dataclass(frozen=True)
class _Factors:
    last4s: tuple[str, ...]  # what the last four may be (the ID's, else each account number's)
    birth_date: date | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def address_key(address: str) -> str:
    """The address as kept: keyed, so the table does not list who visited."""
    key = local_secret("secret_key", get_settings().secret_key).encode()
    return hmac.new(key, b"debtor-address:" + address.encode(), hashlib.sha256).hexdigest()


def _last4(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", value.upper())[-4:]


def _factors(conn: Connection, case_id: int) -> _Factors | None:
    c, d, cr = t.cases.c, t.debtors.c, t.creditors.c
    row = conn.execute(
        select(d.national_id, d.birth_date, cr.pack)
        .select_from(t.cases.join(t.debtors, d.id == c.debtor_id).join(t.creditors, cr.id == c.creditor_id))
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        return None
    plain = unseal(row.national_id) if row.national_id else None
    if plain and row.pack == "cn":
        last4s: tuple[str, ...] = (normalise_national_id(plain)[-4:],)
    else:
        refs = conn.execute(select(t.accounts.c.external_ref).where(t.accounts.c.case_id == case_id))
        last4s = tuple(sorted({_last4(str(r)) for r in refs.scalars() if len(_last4(str(r))) == 4}))
    return _Factors(last4s, row.birth_date or prc_birth_date(plain))


def link_url(token: str) -> str:
    """The link as sent: under HUIKUAN_PUBLIC_URL (a path only while it is unset)."""
    return get_settings().public_url.strip().rstrip("/") + PATH + token


def create_link(
    uow: UnitOfWork,
    case_id: int,
    *,
    user_id: int | None = None,
    days: int = LINK_DAYS,
    now: datetime | None = None,
) -> NewDebtorLink:
    """A new private link for the case, valid `days` days; commits. NotFound for no such case;
    InvalidInput when the check could not be passed (no birth date, or nothing to take four characters
    from, on file)."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise InvalidInput("A link lasts from 1 to {max} days", max=MAX_LINK_DAYS)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    factors = _factors(uow.session.connection(), case_id)
    if factors is None:
        raise NotFound("no case {case_id}", case_id=case_id)
    if factors.birth_date is None or not factors.last4s:
        raise InvalidInput(
            "Case {case_id} has no date of birth, or no ID or account number, on file: the debtor could "
            "not pass the identity check",
            case_id=case_id,
        )
    token = secrets.token_urlsafe(32)
    expires = when + timedelta(days=days)
    link_id = int(
        uow.session.execute(
            insert(t.debtor_links)
            .values(
                case_id=case_id,
                token_hash=token_hash(token),
                created_at=when,
                created_by=user_id,
                expires_at=expires,
                failures=0,
            )
            .returning(t.debtor_links.c.id)
        ).scalar_one()
    )
    detail = {"case_id": case_id, "link_id": link_id, "expires_at": expires.isoformat()}
    record(
        uow.session, at=when, user_id=user_id, action=CREATED, entity="case", entity_id=case_id, detail=detail
    )
    uow.commit()
    return NewDebtorLink(link_id, case_id, token, link_url(token), expires)


def letter_link(uow: UnitOfWork, settings: Settings, case_id: int, now: datetime) -> str | None:
    """A new private link for a letter to the debtor, printed on it (channels/letter/pdf.py), valid
    LETTER_LINK_DAYS days; commits. None while HUIKUAN_PUBLIC_URL is unset (a path alone cannot be typed
    from paper) or when the debtor could not pass the identity check (the letter goes without it)."""
    if not settings.public_url.strip():
        return None
    try:
        made = create_link(uow, case_id, days=LETTER_LINK_DAYS, now=now)
    except InvalidInput:
        uow.rollback()
        return None
    return settings.public_url.strip().rstrip("/") + PATH + made.token


def send_link(
    uow: UnitOfWork,
    link: NewDebtorLink,
    channel: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Queues the link to the debtor's first usable point of the channel, in the debtor's language,
    through the gate (services/contacts.py `queue_message`: ComplianceRefused when it refuses); the
    message's id. The token is in the message body only, never in a log or an audit event."""
    kind = SEND_POINT_KINDS.get(channel)
    if kind is None:
        raise InvalidInput(
            "send: {channel!r} is not one of {channels}",
            channel=channel,
            channels=", ".join(SEND_POINT_KINDS),
        )
    c, d = t.cases.c, t.debtors.c
    row = uow.session.execute(
        select(c.debtor_id, d.language).join(t.debtors, d.id == c.debtor_id).where(c.id == link.case_id)
    ).one()
    point = first_point(uow, int(row.debtor_id), kind)
    if point is None:
        raise NotFound("The debtor has no usable {kind} on file", kind=kind)
    locale = "zh_CN" if (row.language or "zh") == "zh" else "en"
    body = gettext(
        "Your own page about your account: {url} (until {day}). It first asks you to confirm who you are.",
        locale,
        url=link.url,
        day=link.expires_at.date().isoformat(),
    )
    return queue_message(
        uow,
        link.case_id,
        channel=channel,
        contact_point_id=point,
        body=body,
        subject=gettext("Your private page", locale),
        template="debtor_link",
        user_id=user_id,
        at=now,
        locale=locale,
    )


def _failures_from(conn: Connection, address: str, since: datetime) -> list[datetime]:
    f = t.debtor_check_failures.c
    return list(conn.execute(select(f.at).where(f.address_hash == address, f.at > since)).scalars())


def _matches(factors: _Factors | None, answers: DebtorAnswers) -> bool:
    if factors is None or factors.birth_date is None or answers.birth_date is None:
        return False
    typed = _last4(answers.last4).encode()
    # Every candidate compared, in constant time each: no early answer.
    last4 = [hmac.compare_digest(typed, x.encode()) for x in factors.last4s]
    return any(last4) and len(answers.last4.strip()) >= 4 and factors.birth_date == answers.birth_date


def _why_not(link: Any, factors: _Factors | None, answers: DebtorAnswers, at: datetime) -> str | None:
    if link is None:
        return "unknown"
    if link.locked_at is not None:
        return "locked"
    if link.expires_at <= at:
        return "expired"
    return None if _matches(factors, answers) else "no_match"


def check_link(
    uow: UnitOfWork, token: str, answers: DebtorAnswers, *, address: str, now: datetime | None = None
) -> PassedCheck:
    """Opens the link to the visitor who answered right; audited, commits. CheckFailed (the same for
    every reason) or Throttled past the address's limit."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    who = address_key(address)
    address_throttle(uow, who, at)
    lk = t.debtor_links.c
    link = uow.session.execute(
        select(lk.id, lk.case_id, lk.expires_at, lk.locked_at, lk.failures)
        .where(lk.token_hash == token_hash(token))
        .with_for_update()
    ).one_or_none()
    factors = _factors(conn, int(link.case_id)) if link is not None else None
    why = _why_not(link, factors, answers, at)
    if why is not None or link is None:
        raise record_failure(uow, who, link, why or "unknown", at)
    case_id = int(link.case_id)
    # A creditor may ask for a third factor: a one-time code to the phone (services/debtor_codes.py).
    needs_code = code_required(conn, case_id)
    if not needs_code:
        uow.session.execute(update(t.debtor_links).where(lk.id == link.id).values(passed_at=at, failures=0))
    detail = {"link_id": int(link.id), "passed": True, "code_next": needs_code}
    audit_check(uow, CHECKED, case_id, detail, at)
    uow.commit()
    return PassedCheck(int(link.id), case_id, needs_code)


def code_required(conn: Connection, case_id: int) -> bool:
    """Whether the case's creditor asks for a one-time code to the phone after the two questions
    (`authority_policy.self_service.identity_code`)."""
    c, cr = t.cases.c, t.creditors.c
    policy = conn.execute(
        select(cr.authority_policy).join(t.cases, c.creditor_id == cr.id).where(c.id == case_id)
    ).scalar_one_or_none()
    own = policy.get("self_service") if isinstance(policy, dict) else None
    return isinstance(own, dict) and own.get("identity_code") is True


def address_throttle(uow: UnitOfWork, who: str, at: datetime) -> None:
    """Throttled (audited) once the address gave ADDRESS_FAILURES_PER_HOUR wrong answers in the hour."""
    recent = _failures_from(uow.session.connection(), who, at - WINDOW)
    if len(recent) >= ADDRESS_FAILURES_PER_HOUR:
        detail = {"by": "address"}
        audit_check(uow, REFUSED, None, detail, at)
        uow.commit()
        minutes = max(1, int((min(recent) + WINDOW - at).total_seconds() // 60) + 1)
        raise Throttled("Too many attempts: please try again in {minutes} minutes", minutes=minutes)


def audit_check(
    uow: UnitOfWork, action: str, case_id: int | None, detail: dict[str, Any], at: datetime
) -> None:
    """Audits a step of a link's identity check, done by no staff user: against its case, or against no
    case when the link is unknown (or the address alone is refused)."""
    entity = "case" if case_id else "debtor_link"
    record(uow.session, at=at, user_id=None, action=action, entity=entity, entity_id=case_id, detail=detail)


def record_failure(uow: UnitOfWork, who: str, link: Any, why: str, at: datetime) -> CheckFailed:
    """Keeps a wrong answer against the address and, when the link was open, against the link (locked at
    the FAILURES_TO_LOCK-th); audited, commits. The one refusal, to raise."""
    f = t.debtor_check_failures.c
    # The address's wrong answers older than the window count no more: gone, so the table stays small.
    uow.session.execute(delete(t.debtor_check_failures).where(f.address_hash == who, f.at <= at - WINDOW))
    uow.session.execute(insert(t.debtor_check_failures).values(at=at, address_hash=who))
    if why in COUNTED and link is not None:
        _count_failure(uow, link, at)
    case_id = int(link.case_id) if link is not None else None
    detail = {"link_id": int(link.id) if link is not None else None, "passed": False, "why": why}
    audit_check(uow, CHECKED, case_id, detail, at)
    uow.commit()
    return CheckFailed(NO_MATCH)


def _count_failure(uow: UnitOfWork, link: Any, at: datetime) -> None:
    lk = t.debtor_links.c
    failures = int(link.failures) + 1
    locked = at if failures >= FAILURES_TO_LOCK else None
    uow.session.execute(
        update(t.debtor_links).where(lk.id == link.id).values(failures=failures, locked_at=locked)
    )
    if locked is not None:
        detail = {"link_id": int(link.id), "failures": failures}
        audit_check(uow, LOCKED, int(link.case_id), detail, at)


def link_open(conn: Connection, link_id: int, case_id: int, now: datetime | None = None) -> bool:
    """Whether a visit that passed the check of this link may go on: the link still exists for the case,
    unexpired and unlocked."""
    at = (now or datetime.now(UTC)).astimezone(UTC)
    lk = t.debtor_links.c
    row = conn.execute(
        select(lk.expires_at, lk.locked_at).where(lk.id == link_id, lk.case_id == case_id)
    ).one_or_none()
    return row is not None and row.locked_at is None and row.expires_at > at


def link_state(conn: Connection, link_id: int) -> dict[str, Any]:
    """A link's expiry, failures and lock, for the staff and the tests (never its token)."""
    lk = t.debtor_links.c
    row = conn.execute(
        select(lk.case_id, lk.expires_at, lk.failures, lk.locked_at, lk.passed_at).where(lk.id == link_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no link {link_id}", link_id=link_id)
    return dict(row._mapping)


__all__ = [
    "ADDRESS_FAILURES_PER_HOUR",
    "FAILURES_TO_LOCK",
    "LINK_DAYS",
    "CheckFailed",
    "DebtorAnswers",
    "NewDebtorLink",
    "PassedCheck",
    "address_throttle",
    "check_link",
    "code_required",
    "create_link",
    "link_open",
    "link_state",
    "record_failure",
    "send_link",
]
