"""The second factor: a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

The roles in HUIKUAN_MFA_ROLES (default: admin and supervisor) must give one after their password; any
other user who has enrolled gives one too. A user of such a role who has not enrolled yet enrols at the
next login, before any page: the login shows a new secret (as a QR code and as text), and the secret is
kept only once the user has typed a code it produced. A code is accepted in its 30-second step or the
next or previous one (clocks drift) and never twice: the last step used is kept on the user.
An administrator resets a user's second factor when a phone is lost (`huikuan users reset-mfa`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
from sqlalchemy import select, update

from huikuan.config import get_settings
from huikuan.domain.enums import Role
from huikuan.errors import InvalidInput
from huikuan.sealing import seal, unseal
from huikuan.services.access import Viewer, require_admin
from huikuan.services.users import user_id_of
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

ISSUER = "Huikuan"
PURPOSE = "totp_secret"  # sealed at rest like a national ID (huikuan/sealing.py), for this purpose only
STEP_S = 30


def required_for(role: Role | str) -> bool:
    """Whether this role must give a second factor (HUIKUAN_MFA_ROLES)."""
    wanted = {r.strip() for r in get_settings().mfa_roles.split(",") if r.strip()}
    return Role(role).value in wanted


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def _step_of(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time step this code belongs to (now, or one step either side), if not used before."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_S
    for step in (current, current - 1, current + 1):
        if (last_step is None or step > last_step) and totp.at(step * STEP_S) == code:
            return step
    return None


def enrolled(uow: UnitOfWork, user_id: int) -> bool:
    return uow.session.scalar(select(t.users.c.totp_secret).where(t.users.c.id == user_id)) is not None


def enrol(uow: UnitOfWork, user_id: int, secret: str, code: str, now: datetime | None = None) -> None:
    """Keeps the user's new secret once a code made from it is right."""
    when = now or datetime.now(UTC)
    step = _step_of(secret, code, None, when)
    if step is None:
        raise InvalidInput("code: not the code your app shows now; check the phone's clock and try again")
    uow.begin_write()
    uow.session.execute(
        update(t.users)
        .where(t.users.c.id == user_id)
        .values(totp_secret=seal(secret, PURPOSE), totp_last_step=step)
    )
    record(
        uow.session, at=when, user_id=user_id, action="user.mfa_enrolled", entity="user", entity_id=user_id
    )
    uow.commit()


def verify(uow: UnitOfWork, user_id: int, code: str, now: datetime | None = None) -> bool:
    """Whether the code is right for the user's secret (and not used before); a right code is spent."""
    when = now or datetime.now(UTC)
    u = t.users.c
    row = uow.session.execute(select(u.totp_secret, u.totp_last_step).where(u.id == user_id)).one_or_none()
    if row is None or row.totp_secret is None:
        return False
    step = _step_of(unseal(row.totp_secret, PURPOSE), code, row.totp_last_step, when)
    if step is None:
        return False
    uow.begin_write()
    spent = uow.session.connection().execute(
        update(t.users)
        .where(u.id == user_id, (u.totp_last_step.is_(None)) | (u.totp_last_step < step))
        .values(totp_last_step=step)
    )
    uow.commit()
    return bool(spent.rowcount)  # a concurrent login with the same code spent it first


def reset(uow: UnitOfWork, viewer: Viewer | None, username: str, now: datetime | None = None) -> None:
    """Forgets a user's second factor (a lost phone): the user enrols again at the next login. `viewer`
    None is the operator at the command line."""
    if viewer is not None:
        require_admin(viewer)
    when = now or datetime.now(UTC)
    user_id = user_id_of(uow, username)
    uow.begin_write()
    uow.session.execute(
        update(t.users).where(t.users.c.id == user_id).values(totp_secret=None, totp_last_step=None)
    )
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="user.mfa_reset",
        entity="user",
        entity_id=user_id,
    )
    uow.commit()
