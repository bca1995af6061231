"""Checking who is on the line: the collector types what the caller says, the answer is only whether it
matches.

The case page shows neither the birth date nor the end of a PRC ID (services/case_view.py), yet before
discussing a debt the collector must know the caller is the debtor. The caller states the date of birth
or the last four characters of the ID; `check_identity` compares it with what is on file (the birth date,
or the one the PRC ID holds; the ID opened here, never shown) and answers "matches" or "does not match".

So that the check cannot be used to search (5 guesses of the last four characters is 5 in 11,000), a case
takes at most CHECKS_PER_HOUR checks in any hour, whoever makes them; past that each request is refused
until the oldest check of the hour is an hour old. Every check is audited (`identity.check`: who, which
case, what was asked, whether it matched; never the value typed), and so is every refusal
(`identity.check_refused`). A creditor's read-only viewer speaks to no one and may not check.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from huikuan.domain.national_id import normalise_national_id, prc_birth_date
from huikuan.errors import Forbidden, InvalidInput, NotFound, Throttled
from huikuan.sealing import unseal
from huikuan.services.access import Viewer, visible_case
from huikuan.services.clock import floor_zone
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

CHECKS_PER_HOUR = 5
WINDOW = timedelta(hours=1)
BIRTH_DATE, ID_LAST4 = "birth_date", "id_last4"
CHECKED, REFUSED = "identity.check", "identity.check_refused"


@dataclass(frozen=True)
class CallerSays:
    """What the caller gave: a date of birth or the last four characters of the ID (one of them)."""

    birth_date: date | None = None
    id_last4: str | None = None

    def asked(self) -> str:
        given = [name for name, v in ((BIRTH_DATE, self.birth_date), (ID_LAST4, self.id_last4)) if v]
        if len(given) != 1:
            raise InvalidInput("Give either the date of birth or the last four characters of the ID")
        if given[0] == ID_LAST4 and len(normalise_national_id(self.id_last4 or "")) != 4:
            raise InvalidInput("Give the last four characters of the ID, no more and no less")
        return given[0]


@dataclass(frozen=True)
class IdentityAnswer:
    case_id: int
    asked: str  # BIRTH_DATE or ID_LAST4
    matches: bool
    checks_left: int  # in the hour, for this case


def check_identity(
    uow: UnitOfWork, viewer: Viewer, case_id: int, says: CallerSays, *, now: datetime | None = None
) -> IdentityAnswer:
    """Whether what the caller says matches the debtor's data; audited; Throttled past the hour's limit."""
    case = visible_case(uow, viewer, case_id)
    if viewer.read_only:
        raise Forbidden("A read-only account may not check a caller's identity")
    asked = says.asked()
    at = (now or datetime.now(UTC)).astimezone(UTC)
    # One checker of a case at a time (PostgreSQL; SQLite's writers hold its write lock already), so two
    # at once cannot both take the hour's last check.
    uow.session.execute(select(t.cases.c.id).where(t.cases.c.id == case_id).with_for_update())
    recent = _checks_since(uow, case_id, at - WINDOW)
    if len(recent) >= CHECKS_PER_HOUR:
        _audit(uow, viewer, case_id, REFUSED, {"case_id": case_id, "asked": asked}, at)
        uow.commit()
        until = (min(recent) + WINDOW).astimezone(ZoneInfo(floor_zone()))
        raise Throttled(
            "{limit} identity checks were made on this case in the last hour: the next is possible at "
            "{until}",
            limit=CHECKS_PER_HOUR,
            until=until.strftime("%Y-%m-%d %H:%M"),
        )
    d = t.debtors.c
    row = uow.session.execute(select(d.national_id, d.birth_date).where(d.id == case.debtor_id)).one()
    plain = unseal(row.national_id) if row.national_id else None
    if asked == BIRTH_DATE:
        on_file = row.birth_date or prc_birth_date(plain)
        if on_file is None:
            raise NotFound("This debtor has no date of birth on file to check against")
        matches = on_file == says.birth_date
    else:
        if not plain:
            raise NotFound("This debtor has no national ID on file to check against")
        typed = normalise_national_id(says.id_last4 or "")
        matches = hmac.compare_digest(normalise_national_id(plain)[-4:].encode(), typed.encode())
    detail = {"case_id": case_id, "debtor_id": case.debtor_id, "asked": asked, "matches": matches}
    _audit(uow, viewer, case_id, CHECKED, detail, at)
    uow.commit()
    return IdentityAnswer(case_id, asked, matches, CHECKS_PER_HOUR - len(recent) - 1)


def _checks_since(uow: UnitOfWork, case_id: int, since: datetime) -> list[datetime]:
    a = t.audit_events.c
    return list(
        uow.session.execute(
            select(a.at).where(a.entity == "case", a.entity_id == case_id, a.action == CHECKED, a.at > since)
        ).scalars()
    )


def _audit(
    uow: UnitOfWork, viewer: Viewer, case_id: int, action: str, detail: dict[str, object], at: datetime
) -> None:
    record(
        uow.session,
        at=at,
        user_id=viewer.user_id,
        action=action,
        entity="case",
        entity_id=case_id,
        detail=detail,
    )


__all__ = [
    "BIRTH_DATE",
    "CHECKS_PER_HOUR",
    "ID_LAST4",
    "CallerSays",
    "IdentityAnswer",
    "check_identity",
]
