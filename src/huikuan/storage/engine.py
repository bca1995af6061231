"""Engines for the configured database: SQLite with foreign keys and WAL, or PostgreSQL via psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

_engines: dict[str, Engine] = {}


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA busy_timeout = 30000")
    # A large page cache (allocated only as used) keeps bulk imports off the disk while indexes grow.
    cur.execute("PRAGMA cache_size = -262144")
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (isolation_level None), so SQLAlchemy begins here;
    # writers that must not fail half-way ask for the write lock up front with sqlite_immediate.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
