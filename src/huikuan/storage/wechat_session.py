"""wechatpy's session storage in the database (table wechat_session): the official account's access token
is fetched by one process and used by all (the web server, the jobs worker), until it expires.

Each call is its own short transaction on the engine, outside any unit of work: the token is fetched in
the middle of sending a message, and it stays valid whatever becomes of that message.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from wechatpy.session import SessionStorage

from huikuan.storage.tables.wechat import wechat_session

KEY_MAX = 200


class DatabaseSessionStorage(SessionStorage):  # type: ignore[misc]
    def __init__(self, engine: Engine, *, clock: Any = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def get(self, key: str, default: Any = None) -> Any:
        s = wechat_session.c
        with self.engine.connect() as conn:
            row = conn.execute(select(s.value, s.expires_at).where(s.key == key[:KEY_MAX])).one_or_none()
        if row is None or (row.expires_at is not None and row.expires_at <= self.clock()):
            return default
        return json.loads(row.value)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        s = wechat_session.c
        expires = self.clock() + timedelta(seconds=ttl) if ttl else None
        values = {"value": json.dumps(value), "expires_at": expires}
        for _ in range(2):  # two processes may insert the same key at once: the second one updates
            try:
                with self.engine.begin() as conn:
                    done = conn.execute(update(wechat_session).where(s.key == key[:KEY_MAX]).values(**values))
                    if getattr(done, "rowcount", 0) == 0:
                        conn.execute(insert(wechat_session).values(key=key[:KEY_MAX], **values))
                return
            except IntegrityError:
                continue

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(wechat_session).where(wechat_session.c.key == key[:KEY_MAX]))


__all__ = ["DatabaseSessionStorage"]
