"""Users of the floor: adding one with a hashed password, checking a login."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from huikuan.domain.enums import Role
from huikuan.domain.model import Team, User
from huikuan.errors import AlreadyExists, InvalidInput
from huikuan.services.creditors import get_creditor
from huikuan.storage.tables import teams, users
from huikuan.storage.uow import UnitOfWork

_hasher = PasswordHasher()
MIN_PASSWORD = 8


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
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password: needs at least {count} characters", count=MIN_PASSWORD)
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
