"""Administering the floor's users: creating one with everything it needs (role, team, creditor, locale,
languages, skills, shifts, a password given or made), and changing what an administrator may change.

One use case each, called alike by the administration pages, the API and the command line (`viewer` None
is the operator at the command line). Every change is audited with the names of what changed, never the
values (a password never)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select, update

from huikuan.domain.enums import Role
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin
from huikuan.services.creditors import get_creditor
from huikuan.services.shifts import parse_shifts
from huikuan.services.users import add_user, random_password, user_id_of
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

WORK_LANGUAGES = ("zh", "en")  # what a collector may speak with a debtor (debtors.language)
SKILL_MAX = 10
SKILL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


class _Keep:
    """A field of a change left as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class NewUser:
    """A user to create. An empty password: one is made and given back once."""

    username: str
    role: str = "collector"
    display_name: str = ""
    password: str = ""
    team_id: int | None = None
    creditor_code: str | None = None  # a creditor viewer's creditor
    locale: str = "zh_CN"
    time_zone: str | None = None
    languages: tuple[str, ...] = ("zh",)
    skills: tuple[str, ...] = ()
    shifts: tuple[dict[str, Any], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class UserChange:
    """What to change on a user; a field left KEEP stays as it is (team_id None: no team)."""

    display_name: Any = KEEP
    role: Any = KEEP
    team_id: Any = KEEP
    creditor_code: Any = KEEP
    locale: Any = KEEP
    time_zone: Any = KEEP
    languages: Any = KEEP
    skills: Any = KEEP
    shifts: Any = KEEP
    phone_extension: Any = KEEP  # the seat click-to-call rings first; "" or None: none


PHONE_EXTENSION_MAX = 64  # users.phone_extension


def check_extension(value: Any) -> str | None:
    """A user's seat for click-to-call (an extension, a SIP user or a number); blank: none."""
    text = str(value or "").strip()
    if len(text) > PHONE_EXTENSION_MAX:
        raise InvalidInput("phone extension: at most {max} characters", max=PHONE_EXTENSION_MAX)
    return text or None


def check_languages(values: Any) -> list[str]:
    chosen = list(dict.fromkeys(str(v).strip() for v in values or () if str(v).strip()))
    for value in chosen:
        if value not in WORK_LANGUAGES:
            raise InvalidInput(
                "languages: {value} is not one of {known}", value=value, known=", ".join(WORK_LANGUAGES)
            )
    return chosen


def check_skills(values: Any) -> list[str]:
    chosen = list(dict.fromkeys(str(v).strip().lower() for v in values or () if str(v).strip()))
    if len(chosen) > SKILL_MAX:
        raise InvalidInput("skills: at most {count}", count=SKILL_MAX)
    for value in chosen:
        if len(value) > 30 or not set(value) <= SKILL_CHARS:
            raise InvalidInput("skills: {value} is not a skill (letters, digits, - and _)", value=value)
    return chosen


def check_zone(zone: str | None) -> str | None:
    if zone in (None, ""):
        return None
    if zone not in available_timezones():
        raise InvalidInput("time zone: {zone} is not a known IANA zone", zone=zone)
    return zone


def _team(uow: UnitOfWork, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    if uow.session.execute(select(t.teams.c.id).where(t.teams.c.id == team_id)).scalar() is None:
        raise NotFound("There is no team {team_id}", team_id=team_id)
    return team_id


def create_user(
    uow: UnitOfWork, viewer: Viewer | None, cmd: NewUser, now: datetime | None = None
) -> tuple[int, str]:
    """Adds the user; (its id, the password made for it, or "" when one was given)."""
    if viewer is not None:
        require_admin(viewer)
    when = now or datetime.now(UTC)
    made = "" if cmd.password else random_password()
    uow.begin_write()
    team_id = _team(uow, cmd.team_id)
    user = add_user(
        uow,
        cmd.username,
        cmd.password or made,
        role=cmd.role,
        display_name=cmd.display_name.strip() or None,
        creditor_code=cmd.creditor_code or None,
        locale=cmd.locale,
        languages=check_languages(cmd.languages) or ["zh"],
    )
    user.team_id = team_id
    user.time_zone = check_zone(cmd.time_zone)
    user.skills = check_skills(cmd.skills)
    user.shifts = parse_shifts(list(cmd.shifts))
    uow.session.flush()
    user_id = int(user.id or 0)
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="user.created",
        entity="user",
        entity_id=user_id,
        detail={
            "role": user.role.value if isinstance(user.role, Role) else str(user.role),
            "team_id": team_id,
            "password_made": bool(made),
        },
    )
    uow.commit()
    return user_id, made


def _current(uow: UnitOfWork, user_id: int) -> Any:
    return uow.session.execute(select(t.users).where(t.users.c.id == user_id)).one()


def _role_values(uow: UnitOfWork, row: Any, change: UserChange) -> dict[str, Any]:
    """The role and the creditor, which go together: a creditor viewer has one, nobody else does."""
    values: dict[str, Any] = {}
    role = row.role
    if change.role is not KEEP:
        try:
            role = Role(change.role).value
        except ValueError:
            raise InvalidInput(
                "role: {role!r} is not one of {roles}",
                role=change.role,
                roles=", ".join(r.value for r in Role),
            ) from None
        values["role"] = role
    creditor_id = row.creditor_id
    if change.creditor_code is not KEEP:
        creditor_id = get_creditor(uow, change.creditor_code).id if change.creditor_code else None
    if role == Role.CREDITOR_VIEWER.value:
        if creditor_id is None:
            raise InvalidInput("creditor: a creditor viewer needs the creditor it may see")
    else:
        creditor_id = None
    values["creditor_id"] = creditor_id
    return values


def _values(uow: UnitOfWork, row: Any, change: UserChange) -> dict[str, Any]:
    values = _role_values(uow, row, change)
    if change.display_name is not KEEP:
        name = str(change.display_name or "").strip()
        if not name or len(name) > 200:
            raise InvalidInput("display name: must not be empty")
        values["display_name"] = name
    if change.team_id is not KEEP:
        values["team_id"] = _team(uow, change.team_id)
    if change.locale is not KEEP:
        if change.locale not in ("zh_CN", "en"):
            raise InvalidInput("locale: {locale!r} is not zh_CN or en", locale=change.locale)
        values["locale"] = change.locale
    if change.time_zone is not KEEP:
        values["time_zone"] = check_zone(change.time_zone)
    if change.languages is not KEEP:
        values["languages"] = check_languages(change.languages)
        if not values["languages"]:
            raise InvalidInput("languages: choose at least one")
    if change.skills is not KEEP:
        values["skills"] = check_skills(change.skills)
    if change.shifts is not KEEP:
        values["shifts"] = parse_shifts(list(change.shifts or ()))
    if change.phone_extension is not KEEP:
        values["phone_extension"] = check_extension(change.phone_extension)
    return {k: v for k, v in values.items() if v != getattr(row, k)}


def update_user(
    uow: UnitOfWork, viewer: Viewer | None, username: str, change: UserChange, now: datetime | None = None
) -> list[str]:
    """Changes the user; the names of the fields that changed (none: nothing written)."""
    if viewer is not None:
        require_admin(viewer)
    when = now or datetime.now(UTC)
    user_id = user_id_of(uow, username)
    uow.begin_write()
    row = _current(uow, user_id)
    values = _values(uow, row, change)
    if viewer is not None and user_id == viewer.user_id and "role" in values:
        raise InvalidInput("user: you cannot change your own role")
    if not values:
        uow.rollback()
        return []
    uow.session.execute(update(t.users).where(t.users.c.id == user_id).values(**values))
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="user.updated",
        entity="user",
        entity_id=user_id,
        detail={"changed": sorted(values)},
    )
    uow.commit()
    return sorted(values)


__all__ = ["KEEP", "WORK_LANGUAGES", "NewUser", "UserChange", "create_user", "update_user"]
