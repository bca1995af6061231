"""GET /health answers 200 only when the database takes writes and its schema is the newest migration;
else 503 with the reason: a read-only database, an empty one, one whose schema is behind this version."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from huikuan.storage import engine as engines
from huikuan.storage import migrate
from huikuan.storage.engine import make_engine, write_options
from huikuan.web.app import create_app


def _health(url: str, engine: Engine | None = None) -> tuple[int, dict[str, str]]:
    """/health of an app on `url` (served by `engine` when given)."""
    if engine is not None:
        engines._engines[url] = engine
    try:
        response = TestClient(create_app(url)).get("/health")
    finally:
        served = engines._engines.pop(url, None)
        if served is not None and served is not engine:
            served.dispose()
    return response.status_code, response.json()


def test_a_writable_database_at_the_newest_schema_is_healthy(db_env: str) -> None:
    status, body = _health(db_env)
    assert status == 200 and body["status"] == "ok" and "reason" not in body


def test_a_read_only_database_is_unavailable(database_url: str, engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name == "sqlite":
        # Root may write any file whatever its mode: the database is opened read-only instead.
        path = engine.url.database
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
        read_only = make_engine(url)
    else:
        url = database_url + "?options=-c%20default_transaction_read_only%3Don"
        read_only = make_engine(url)
    try:
        status, body = _health(url, read_only)
    finally:
        read_only.dispose()
    assert status == 503 and body["status"] == "unavailable"
    assert "read-only" in body["reason"] or "cannot be written" in body["reason"]


def test_an_empty_database_is_unavailable_until_huikuan_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    status, body = _health(url)
    assert status == 503 and "no schema" in body["reason"] and "huikuan init" in body["reason"]


def test_a_schema_behind_this_version_is_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = make_engine(url)
    migrate.upgrade(old, "0004")
    try:
        status, body = _health(url, old)
    finally:
        old.dispose()
    assert status == 503 and "the schema is at 0004" in body["reason"]


def test_the_write_lock_held_by_another_writer_still_counts_as_writable(engine: Engine, db_env: str) -> None:
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL has no database-wide write lock
    with engine.connect().execution_options(**write_options()) as writer, writer.begin():
        writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held until the block ends
        status, _ = _health(db_env)
    assert status == 200
