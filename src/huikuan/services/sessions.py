"""Browser sessions kept on the server, so that they can end.

The cookie holds a random token; the server keeps only its SHA-256 in `user_sessions`. A session ends:

- on logout;
- after HUIKUAN_SESSION_IDLE_MINUTES without a request (default 60), and HUIKUAN_SESSION_HOURS after
  it began whatever happens (default 12);
- when an administrator revokes it (the list of open sessions is on /admin/sessions);
- when its user changes or is given a new password (the other sessions), or is deactivated (all).

`last_seen_at` is written at most once every TOUCH_EVERY, in a short write transaction of its own, so
reading pages does not turn every request into a write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.config import get_settings
from huikuan.errors import NotFound
from huikuan.services.access import Viewer, require_admin
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def start_session(
    uow: UnitOfWork, user_id: int, *, ip: str, user_agent: str = "", now: datetime | None = None
) -> str:
    """A new session for a user who has just proved who they are; returns the cookie's token. The
    login is audited here (a login is a session begun, whatever the factors asked)."""
    when = _now(now)
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    uow.begin_write()
    uow.session.execute(
        insert(t.user_sessions).values(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=when,
            last_seen_at=when,
            expires_at=when + timedelta(hours=settings.session_hours),
            ip=ip[:64],
            user_agent=user_agent[:200],
        )
    )
    record(uow.session, at=when, user_id=user_id, action="user.login", entity="user", entity_id=user_id)
    uow.commit()
    return token


@dataclass(frozen=True)
class OpenSession:
    id: int
    user_id: int


def session_of(uow: UnitOfWork, token: str, now: datetime | None = None) -> OpenSession | None:
    """The open session this token belongs to, or None (unknown, ended, idle too long or expired)."""
    when = _now(now)
    s = t.user_sessions.c
    row = uow.session.execute(
        select(s.id, s.user_id, s.last_seen_at, s.expires_at).where(
            s.token_hash == token_hash(token), s.ended_at.is_(None)
        )
    ).one_or_none()
    if row is None:
        return None
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if row.expires_at <= when or row.last_seen_at + idle <= when:
        _end(uow, [row.id], "expired" if row.expires_at <= when else "idle", by=None, now=when)
        return None
    if when - row.last_seen_at >= TOUCH_EVERY:
        _touch(uow, row.id, when)
    return OpenSession(row.id, row.user_id)


def _touch(uow: UnitOfWork, session_id: int, when: datetime) -> None:
    """Marks the session seen, in a write transaction of its own (what was read before is re-read)."""
    uow.begin_write()
    uow.session.execute(
        update(t.user_sessions).where(t.user_sessions.c.id == session_id).values(last_seen_at=when)
    )
    uow.commit()


def _end(uow: UnitOfWork, ids: list[int], reason: str, *, by: int | None, now: datetime) -> int:
    if not ids:
        return 0
    uow.begin_write()
    s = t.user_sessions.c
    done = uow.session.connection().execute(
        update(t.user_sessions)
        .where(s.id.in_(ids), s.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason, ended_by=by)
    )
    uow.commit()
    return int(done.rowcount or 0)


def end_session(uow: UnitOfWork, token: str, reason: str = "logout", now: datetime | None = None) -> None:
    """Ends the session of this token (logging out)."""
    found = uow.session.scalar(
        select(t.user_sessions.c.id).where(t.user_sessions.c.token_hash == token_hash(token))
    )
    if found is not None:
        _end(uow, [int(found)], reason, by=None, now=_now(now))


def end_user_sessions(
    uow: UnitOfWork,
    user_id: int,
    reason: str,
    *,
    by: int | None = None,
    keep: int | None = None,
    now: datetime | None = None,
) -> int:
    """Ends every open session of a user (but `keep`, the one asking); returns how many ended."""
    s = t.user_sessions.c
    query = select(s.id).where(s.user_id == user_id, s.ended_at.is_(None))
    if keep is not None:
        query = query.where(s.id != keep)
    ids = [int(i) for i in uow.session.scalars(query)]
    return _end(uow, ids, reason, by=by, now=_now(now))


def open_sessions(uow: UnitOfWork, viewer: Viewer, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every session still open (not ended, not idle past the timeout, not expired): for administrators."""
    require_admin(viewer)
    when = _now(now)
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    s, u = t.user_sessions.c, t.users.c
    rows = uow.session.execute(
        select(
            s.id,
            s.user_id,
            u.username,
            u.display_name,
            u.role,
            s.created_at,
            s.last_seen_at,
            s.expires_at,
            s.ip,
            s.user_agent,
        )
        .join(t.users, u.id == s.user_id)
        .where(s.ended_at.is_(None), s.expires_at > when, s.last_seen_at > when - idle)
        .order_by(s.last_seen_at.desc(), s.id.desc())
    ).all()
    return [dict(row._mapping) for row in rows]


def revoke(uow: UnitOfWork, viewer: Viewer, session_id: int, now: datetime | None = None) -> None:
    """An administrator ends a session (audited)."""
    require_admin(viewer)
    when = _now(now)
    s = t.user_sessions.c
    row = uow.session.execute(select(s.id, s.user_id, s.ended_at).where(s.id == session_id)).one_or_none()
    if row is None:
        raise NotFound("There is no session {session_id}", session_id=session_id)
    if row.ended_at is None:
        _end(uow, [row.id], "revoked", by=viewer.user_id, now=when)
        uow.begin_write()
        record(
            uow.session,
            at=when,
            user_id=viewer.user_id,
            action="session.revoked",
            entity="user",
            entity_id=row.user_id,
            detail={"session_id": row.id},
        )
        uow.commit()
