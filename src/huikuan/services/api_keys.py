"""API keys: how machine clients (a creditor's system, a caller of the compliance API) authenticate.

A key acts as one user, with that user's role and scope: a key of a creditor viewer reads that creditor's
cases only. It is sent as `Authorization: Bearer hk_...`; only its SHA-256 is kept, and it is shown once,
when made. A browser never sends it by itself, so a request carrying it needs no CSRF token. A key stops
working when revoked or when its user is deactivated. Its last use is kept (at most once a minute).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.errors import InvalidInput, NotAuthenticated, NotFound
from huikuan.services.access import Viewer, get_viewer, require_admin
from huikuan.services.users import user_id_of
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

PREFIX = "hk_"
TOUCH_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(
    uow: UnitOfWork, viewer: Viewer | None, username: str, name: str, now: datetime | None = None
) -> tuple[int, str]:
    """A new key acting as `username`; returns its id and the key (shown this once). `viewer` None is
    the operator at the command line."""
    if viewer is not None:
        require_admin(viewer)
    name = name.strip()
    if not name:
        raise InvalidInput("name: say what the key is for (the system that will use it)")
    when = now or datetime.now(UTC)
    user_id = user_id_of(uow, username)
    key = PREFIX + secrets.token_urlsafe(32)
    uow.begin_write()
    key_id = int(
        uow.session.connection()
        .execute(
            insert(t.api_keys)
            .values(
                user_id=user_id,
                name=name[:100],
                prefix=key[:10],
                key_hash=_hash(key),
                created_at=when,
                created_by=viewer.user_id if viewer else None,
            )
            .returning(t.api_keys.c.id)
        )
        .scalar_one()
    )
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="api_key.created",
        entity="user",
        entity_id=user_id,
        detail={"api_key_id": key_id},
    )
    uow.commit()
    return int(key_id), key


def key_viewer(uow: UnitOfWork, key: str, now: datetime | None = None) -> Viewer:
    """The user a key acts as; NotAuthenticated for an unknown or revoked key or an inactive user."""
    when = now or datetime.now(UTC)
    k = t.api_keys.c
    row = uow.session.execute(
        select(k.id, k.user_id, k.last_used_at).where(k.key_hash == _hash(key), k.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        raise NotAuthenticated("This API key is not valid (unknown or revoked)")
    viewer = get_viewer(uow, row.user_id)
    if row.last_used_at is None or when - row.last_used_at >= TOUCH_EVERY:
        uow.begin_write()
        uow.session.execute(update(t.api_keys).where(k.id == row.id).values(last_used_at=when))
        uow.commit()
    return viewer


def list_keys(uow: UnitOfWork, viewer: Viewer | None) -> list[dict[str, Any]]:
    """Every key, newest first, without the secret: id, name, prefix, user, made, last used, revoked."""
    if viewer is not None:
        require_admin(viewer)
    k, u = t.api_keys.c, t.users.c
    rows = uow.session.execute(
        select(k.id, k.name, k.prefix, u.username, u.role, k.created_at, k.last_used_at, k.revoked_at)
        .join(t.users, u.id == k.user_id)
        .order_by(k.id.desc())
    ).all()
    return [dict(row._mapping) for row in rows]


def revoke_key(uow: UnitOfWork, viewer: Viewer | None, key_id: int, now: datetime | None = None) -> None:
    if viewer is not None:
        require_admin(viewer)
    when = now or datetime.now(UTC)
    k = t.api_keys.c
    row = uow.session.execute(select(k.id, k.user_id, k.revoked_at).where(k.id == key_id)).one_or_none()
    if row is None:
        raise NotFound("There is no API key {key_id}", key_id=key_id)
    if row.revoked_at is not None:
        return
    uow.begin_write()
    uow.session.execute(update(t.api_keys).where(k.id == key_id).values(revoked_at=when))
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id if viewer else None,
        action="api_key.revoked",
        entity="user",
        entity_id=row.user_id,
        detail={"api_key_id": key_id},
    )
    uow.commit()
