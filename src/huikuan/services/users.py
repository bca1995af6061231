"""Users of the floor: adding one with a hashed password, checking a login, changing and resetting a
password, deactivating an account.

A password must have at least MIN_PASSWORD characters and not be easy to guess: zxcvbn (the estimator
of Dropbox, with its lists of common passwords, names, words and keyboard patterns) must rate it 3 of 4 or
better, counting the user's own name as known to a guesser. Argon2id keeps only a hash.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from zxcvbn import zxcvbn

from huikuan.domain.enums import Role
from huikuan.domain.model import Team, User
from huikuan.errors import AlreadyExists, InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin
from huikuan.services.creditors import get_creditor
from huikuan.services.sessions import end_user_sessions
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.tables import teams, users
from huikuan.storage.uow import UnitOfWork

_hasher = PasswordHasher()
MIN_PASSWORD = 10
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" against an online attacker and more


def check_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """Refuses a password that is short, blank or easy to guess (InvalidInput says which)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password: needs at least {count} characters", count=MIN_PASSWORD)
    if not password.strip():
        raise InvalidInput("password: must not be only spaces")
    known = [value for value in (username, display_name) if value]
    if zxcvbn(password[:100], user_inputs=known)["score"] < MIN_STRENGTH:
        raise InvalidInput(
            "password: too easy to guess (a common password, a pattern, a word or your name): "
            "use a longer phrase of unrelated words"
        )


def add_user(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    role: str = "collector",
    display_name: str | None = None,
    team: str | None = None,
    creditor_code: str | None = None,
    locale: str = "zh_CN",
    languages: list[str] | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise InvalidInput("username: must not be empty")
    try:
        user_role = Role(role)
    except ValueError:
        raise InvalidInput(
            "role: {role!r} is not one of {roles}", role=role, roles=", ".join(r.value for r in Role)
        ) from None
    check_password(password, username=username, display_name=display_name or "")
    if locale not in ("zh_CN", "en"):
        raise InvalidInput("locale: {locale!r} is not zh_CN or en", locale=locale)
    if uow.session.scalar(select(User).where(users.c.username == username)):
        raise AlreadyExists("user {username} exists already", username=username)
    creditor_id = None
    if user_role is Role.CREDITOR_VIEWER:
        if not creditor_code:
            raise InvalidInput("creditor: a creditor viewer needs the creditor it may see")
        creditor_id = get_creditor(uow, creditor_code).id
    team_id = None
    if team:
        found = uow.session.scalar(select(Team).where(teams.c.name == team))
        if found is None:
            found = Team(name=team)
            uow.session.add(found)
            uow.session.flush()
        team_id = found.id
    user = User(
        username=username,
        display_name=display_name or username,
        role=user_role,
        password_hash=_hasher.hash(password),
        team_id=team_id,
        creditor_id=creditor_id,
        locale=locale,
        languages=languages or ["zh"],
    )
    uow.session.add(user)
    uow.session.flush()
    return user


def user_id_of(uow: UnitOfWork, username: str) -> int:
    """The id of the user with this name; InvalidInput when there is none."""
    found = uow.session.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if found is None:
        raise InvalidInput("user: no user {username}", username=username)
    return int(found)


def authenticate(uow: UnitOfWork, username: str, password: str) -> User | None:
    user = uow.session.scalar(select(User).where(users.c.username == username, users.c.active.is_(True)))
    if user is not None:
        uow.session.expunge(user)  # still readable after the rollback below
    uow.rollback()  # the password check takes tens of milliseconds: no transaction (nor lock) held meanwhile
    if user is None:
        _hasher.hash(password)  # the same cost whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def _password_hash(uow: UnitOfWork, user_id: int) -> tuple[str, str, str]:
    u = t.users.c
    row = uow.session.execute(
        select(u.password_hash, u.username, u.display_name).where(u.id == user_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no user {user_id}", user_id=user_id)
    return str(row.password_hash), str(row.username), str(row.display_name)


def _set_password(uow: UnitOfWork, user_id: int, password: str, now: datetime) -> None:
    uow.session.execute(
        update(t.users)
        .where(t.users.c.id == user_id)
        .values(password_hash=_hasher.hash(password), password_changed_at=now)
    )


def change_password(
    uow: UnitOfWork,
    viewer: Viewer,
    current: str,
    new: str,
    *,
    session_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """The user's own new password, given the current one; the user's other sessions end (returns how
    many did)."""
    when = now or datetime.now(UTC)
    stored, username, display_name = _password_hash(uow, viewer.user_id)
    try:
        _hasher.verify(stored, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput("current password: wrong password") from None
    if new == current:
        raise InvalidInput("password: the new password is the same as the current one")
    check_password(new, username=username, display_name=display_name)
    uow.begin_write()
    _set_password(uow, viewer.user_id, new, when)
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action="user.password_changed",
        entity="user",
        entity_id=viewer.user_id,
    )
    uow.commit()
    return end_user_sessions(uow, viewer.user_id, "password", by=viewer.user_id, keep=session_id, now=when)


def random_password() -> str:
    """A password made by the machine, to be handed over once and changed by its owner."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def reset_password(uow: UnitOfWork, viewer: Viewer | None, username: str, now: datetime | None = None) -> str:
    """An administrator gives a user a new random password (returned once, to be handed over and changed
    by its owner); every session of the user ends. `viewer` None is the operator at the command line."""
    if viewer is not None:
        require_admin(viewer)
    when = now or datetime.now(UTC)
    user_id = user_id_of(uow, username)
    password = random_password()
    uow.begin_write()
    _set_password(uow, user_id, password, when)
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="user.password_reset",
        entity="user",
        entity_id=user_id,
    )
    uow.commit()
    end_user_sessions(uow, user_id, "password", by=viewer.user_id if viewer else None, now=when)
    return password


def set_active(
    uow: UnitOfWork, viewer: Viewer | None, username: str, active: bool, now: datetime | None = None
) -> int:
    """An administrator deactivates (or reactivates) an account: a deactivated user cannot log in, its
    sessions end at once and its API keys stop working. Returns the user's id. `viewer` None is the
    operator at the command line."""
    if viewer is not None:
        require_admin(viewer)
    when = now or datetime.now(UTC)
    user_id = user_id_of(uow, username)
    if viewer is not None and user_id == viewer.user_id and not active:
        raise InvalidInput("user: you cannot deactivate your own account")
    uow.begin_write()
    uow.session.execute(update(t.users).where(t.users.c.id == user_id).values(active=active))
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="user.activated" if active else "user.deactivated",
        entity="user",
        entity_id=user_id,
    )
    uow.commit()
    if not active:
        end_user_sessions(uow, user_id, "deactivated", by=viewer.user_id if viewer else None, now=when)
    return user_id
