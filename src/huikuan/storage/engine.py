"""Engines for the configured database: SQLite with foreign keys and WAL, or PostgreSQL via psycopg 3.

Errors never carry the values of a statement (`hide_parameters`): names, phones and notes are bound
parameters, and an error message ends up in the log.

Both have a bounded pool (HUIKUAN_DB_POOL_SIZE connections, a short HUIKUAN_DB_POOL_TIMEOUT): a process
that runs out of connections answers "busy" quickly instead of queueing requests for half a minute.
On SQLite every write transaction takes the write lock as it begins (`BEGIN IMMEDIATE`, see
`write_options`), so concurrent writers wait their turn for up to HUIKUAN_SQLITE_BUSY_TIMEOUT seconds
instead of failing when a read transaction cannot be upgraded.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from huikuan.files import create_private, private_dir

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
        if not in_memory and not parsed.query.get("uri"):
            # Created owner-only; SQLite gives its -wal and -shm files the database file's mode.
            database = Path(parsed.database or "")
            private_dir(database.parent)
            create_private(database)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout},
            hide_parameters=True,
            **({} if in_memory else pool),
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **pool)


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
        # Pages read through a memory map, not copied by read(): a connection's page cache is dropped
        # whenever another process has written, and the plan-dispatch workers read after each other's
        # writes all the time.
        cur.execute("PRAGMA mmap_size = 1073741824")
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


# Seconds to reach the read replica before its reads go to the primary instead (unless its URL says).
REPLICA_CONNECT_TIMEOUT = "3"


def read_engine(settings: Any) -> Engine | None:
    """The read replica's engine (HUIKUAN_READ_DATABASE_URL), or None when reads stay on the primary. A
    replica that is down costs each reader a few seconds at most, never the system's TCP timeout."""
    url = settings.read_database_url.strip()
    if not url:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": REPLICA_CONNECT_TIMEOUT})
    return get_engine(parsed.render_as_string(hide_password=False))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def why_not_writable(engine: Engine) -> str | None:
    """None when the database takes writes now; else why it does not. PostgreSQL: not a standby in
    recovery, not read-only. SQLite: a write transaction can begin (`BEGIN IMMEDIATE`) and write (a
    no-op update of alembic_version: a connection opened read-only begins but cannot write), rolled back
    at once; the write lock held by another writer means writes are being made, so that counts as
    writable and the probe does not wait for it."""
    if is_sqlite(engine):
        return _sqlite_not_writable(engine)
    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar():
            return "the database is a standby in recovery"
        if conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
            return "the database is read-only"
    return None


# How far behind its primary a PostgreSQL standby is: nothing when it has replayed all it has received,
# else the time since the last transaction it replayed was committed on the primary. A server that is not
# a standby (a primary, or SQLite) is never behind.
_REPLICA_LAG = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_lag_seconds(engine: Engine) -> float:
    """Seconds the read replica's data are behind the primary's (0 when it has replayed everything it has
    received); raises the driver's error when it does not answer."""
    if is_sqlite(engine):
        return 0.0
    with engine.connect() as conn:
        return max(0.0, float(conn.exec_driver_sql(_REPLICA_LAG).scalar() or 0))


def _sqlite_not_writable(engine: Engine) -> str | None:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        (busy_ms,) = cursor.execute("PRAGMA busy_timeout").fetchone()
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.execute("UPDATE alembic_version SET version_num = version_num")
            finally:
                cursor.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            return "the database is read-only"
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
            cursor.close()
    return None
