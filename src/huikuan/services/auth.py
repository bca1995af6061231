"""Logging in: argon2 passwords, and throttling of guesses.

- Five failed attempts (a wrong password or a wrong second-factor code) for one user name from one
  address within 15 minutes lock that name *from that address* until the oldest of them is 15 minutes
  old: someone else's guesses cannot lock a user out of their own desk.
- Fifty failures from one address within 15 minutes lock the address the same way.
- Fifty failures for one user name from any addresses within 15 minutes (guesses spread over many
  machines) lock that name, except from an address where that user has logged in during the last 30 days.

A lock is reported with the moment it ends, in the floor's zone (HUIKUAN_TIME_ZONE: the one who is locked
out is not known yet, so not their own); a correct password during a lock is refused too (otherwise the
lock would tell a guesser which password was right). Every attempt is kept in login_attempts for 30 days.
The address is the client's as the server sees it (a proxy's X-Forwarded-For only from
HUIKUAN_TRUSTED_PROXIES).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import ColumnElement, and_, delete, insert, select, update

from huikuan.errors import InvalidInput, NotAuthenticated, Throttled
from huikuan.i18n import normalize_locale
from huikuan.services.access import Viewer, get_viewer
from huikuan.services.clock import floor_zone
from huikuan.services.users import authenticate
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5  # for one user name from one address
MAX_FAILURES_PER_ADDRESS = 50
MAX_FAILURES_PER_USER_ANYWHERE = 50
KEEP_ATTEMPTS = timedelta(days=30)


def _locked_until(uow: UnitOfWork, who: ColumnElement[bool], limit: int, now: datetime) -> datetime | None:
    """When the lock ends, if the last `limit` failures matching `who` all fall within the window."""
    a = t.login_attempts.c
    failures = (
        uow.session.execute(
            select(a.at)
            .where(who, a.success.is_(False), a.at > now - WINDOW)
            .order_by(a.at.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if len(failures) < limit:
        return None
    oldest: datetime = min(failures)
    return oldest + WINDOW


def login(uow: UnitOfWork, username: str, password: str, *, ip: str, now: datetime | None = None) -> Viewer:
    """The viewer for these credentials; NotAuthenticated if wrong, Throttled while locked."""
    when = now or datetime.now(UTC)
    username = username.strip()
    if not username or not password:
        raise InvalidInput("Enter your user name and password")
    refuse_while_locked(uow, username, ip, when)
    user = authenticate(uow, username, password)
    user_id = user.id if user is not None else None
    _record(uow, username, ip, when, success=user_id is not None)
    if user_id is None:
        raise NotAuthenticated("Wrong user name or password")
    return get_viewer(uow, user_id)


def refuse_while_locked(uow: UnitOfWork, username: str, ip: str, when: datetime) -> None:
    """Throttled (and the attempt kept) while this user name is locked from this address."""
    a = t.login_attempts.c
    until = (
        _locked_until(uow, and_(a.username == username, a.ip == ip), MAX_FAILURES_PER_USER, when)
        or _locked_until(uow, a.ip == ip, MAX_FAILURES_PER_ADDRESS, when)
        or (
            None
            if _known_address(uow, username, ip, when)
            else _locked_until(uow, a.username == username, MAX_FAILURES_PER_USER_ANYWHERE, when)
        )
    )
    if until is not None:
        _record(uow, username, ip, when, success=False)
        local = until.astimezone(ZoneInfo(floor_zone()))
        raise Throttled(
            "Too many failed logins: try again after {until}", until=local.strftime("%Y-%m-%d %H:%M")
        )


def _known_address(uow: UnitOfWork, username: str, ip: str, when: datetime) -> bool:
    """Whether this user logged in from this address during the last 30 days."""
    a = t.login_attempts.c
    found = uow.session.scalar(
        select(a.id)
        .where(a.username == username, a.ip == ip, a.success.is_(True), a.at > when - KEEP_ATTEMPTS)
        .limit(1)
    )
    return found is not None


def second_factor_failed(uow: UnitOfWork, username: str, ip: str, when: datetime | None = None) -> None:
    """A wrong second-factor code counts as a failed login (and is throttled like one)."""
    _record(uow, username, ip, when or datetime.now(UTC), success=False)


def _record(uow: UnitOfWork, username: str, ip: str, when: datetime, *, success: bool) -> None:
    """Keeps the attempt, in a short write transaction of its own: the reads and the password check
    before it hold no lock. (The login itself is audited when its session begins: services/sessions.)"""
    uow.begin_write()
    uow.session.execute(
        insert(t.login_attempts).values(username=username[:80], ip=ip[:64], at=when, success=success)
    )
    uow.commit()


def forget_old_attempts(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """The job that drops login attempts older than 30 days."""
    gone = uow.session.connection().execute(
        delete(t.login_attempts).where(t.login_attempts.c.at < now - KEEP_ATTEMPTS)
    )
    uow.commit()
    return {"forgotten": gone.rowcount or 0}


def set_locale(uow: UnitOfWork, viewer: Viewer, locale: str) -> str:
    """The user's language setting (zh_CN or en), kept on the user."""
    chosen = normalize_locale(locale)
    uow.session.execute(update(t.users).where(t.users.c.id == viewer.user_id).values(locale=chosen))
    uow.commit()
    return chosen


# The zones offered on the settings page (any IANA zone is accepted by the service).
COMMON_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Urumqi",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "UTC",
)


def set_preferences(uow: UnitOfWork, viewer: Viewer, *, locale: str, time_zone: str) -> str:
    """The user's language and the zone its times are shown in; returns the language kept."""
    if time_zone not in available_timezones():
        raise InvalidInput("time zone: {zone} is not a known IANA zone", zone=time_zone)
    chosen = normalize_locale(locale)
    changed = [
        name
        for name, old, new in (("locale", viewer.locale, chosen), ("time_zone", viewer.time_zone, time_zone))
        if old != new
    ]
    uow.session.execute(
        update(t.users).where(t.users.c.id == viewer.user_id).values(locale=chosen, time_zone=time_zone)
    )
    if changed:
        record(
            uow.session,
            at=datetime.now(UTC),
            user_id=viewer.user_id,
            action="user.settings_changed",
            entity="user",
            entity_id=viewer.user_id,
            detail={"changed": changed},
        )
    uow.commit()
    return chosen


def zone_choices() -> list[str]:
    """The zones a user may choose: the common ones first, then every other IANA zone by name."""
    common = set(COMMON_ZONES)
    return [*COMMON_ZONES, *sorted(z for z in available_timezones() if z not in common and "/" in z)]
