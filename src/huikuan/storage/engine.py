"""Engines for the configured database: SQLite with foreign keys and WAL, or PostgreSQL via psycopg 3.

Both have a bounded pool (HUIKUAN_DB_POOL_SIZE connections, a short HUIKUAN_DB_POOL_TIMEOUT): a process
that runs out of connections answers "busy" quickly instead of queueing requests for half a minute.
On SQLite every write transaction takes the write lock as it begins (`BEGIN IMMEDIATE`, see
`write_options`), so concurrent writers wait their turn for up to HUIKUAN_SQLITE_BUSY_TIMEOUT seconds
instead of failing when a read transaction cannot be upgraded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

_engines: dict[str, Engine] = {}

# Connections beyond the pool for what runs beside the requests (a health probe, the embedded jobs).
POOL_OVERFLOW = 2
# The execution option that makes a SQLite transaction begin with the write lock.
IMMEDIATE = "sqlite_immediate"


def make_engine(
    url: str, *, pool_size: int | None = None, pool_timeout: float | None = None, busy_timeout: float = 10.0
) -> Engine:
    parsed = make_url(url)
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW, "pool_timeout": pool_timeout or 10.0}
    if parsed.get_backend_name() == "sqlite":
        in_memory = not parsed.database or parsed.database == ":memory:"
        if not in_memory:
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, **({} if in_memory else pool))
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        # A large page cache (allocated only as used) keeps bulk imports off the disk while indexes grow.
        cur.execute("PRAGMA cache_size = -262144")
        cur.execute("PRAGMA temp_store = MEMORY")
        cur.close()

    return on_connect


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (isolation_level None), so SQLAlchemy begins here. A
    # writer asks for the write lock up front: a read transaction that later writes could not be
    # upgraded once another writer has committed ("database is locked" at once, no waiting).
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def write_options() -> dict[str, Any]:
    """Execution options for a connection whose transaction will write (ignored by PostgreSQL)."""
    return {IMMEDIATE: True}


def get_engine(url: str) -> Engine:
    """One engine per URL per process, with the pool of the settings."""
    if url not in _engines:
        from huikuan.config import get_settings

        settings = get_settings()
        _engines[url] = make_engine(
            url,
            pool_size=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout,
            busy_timeout=settings.sqlite_busy_timeout,
        )
    return _engines[url]


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
