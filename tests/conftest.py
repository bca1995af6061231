"""Fixtures shared by every speed of test: the database under test, a migrated engine, a unit of work.

The integration suite runs on SQLite by default and on PostgreSQL when HUIKUAN_TEST_DATABASE_URL
names one (`make test` does both). Under CI a PostgreSQL that cannot be reached fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from tests.support.floor import Floor, build_floor

from huikuan.services import users as users_service
from huikuan.storage import migrate
from huikuan.storage.engine import make_engine
from huikuan.storage.tables import metadata
from huikuan.storage.uow import UnitOfWork

TEST_URL = os.environ.get("HUIKUAN_TEST_DATABASE_URL", "")
# The personas log in with their password alone; tests/integration/test_second_factor.py sets the roles
# that must give a second factor (by default, outside the tests: admin and supervisor).
os.environ["HUIKUAN_MFA_ROLES"] = ""

# National IDs are sealed with this data key in the tests (and the servers they start), never with the
# checkout's own var/data_key.
os.environ.setdefault("HUIKUAN_DATA_KEY", "tests-only-data-key-0123456789abcdefghijklmnop")

# Tests hash many passwords: argon2 at its lightest (the stored hash names its own parameters).
users_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _postgres_engine() -> Engine:
    engine = make_engine(TEST_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error: the server is not there
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {TEST_URL} is required under CI and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL at {TEST_URL} is not reachable: {exc}")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    return engine


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated template database for this session."""
    if TEST_URL.startswith("postgresql"):
        engine = _postgres_engine()
        engine.dispose()
        yield TEST_URL
        return
    template = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{template}")
    migrate.upgrade(engine)
    engine.dispose()
    yield f"sqlite:///{template}"


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated, empty database for one test."""
    if database_url.startswith("postgresql"):
        eng = make_engine(database_url)
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with eng.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield eng
        eng.dispose()
        return
    path = tmp_path / "huikuan.db"
    shutil.copyfile(database_url.removeprefix("sqlite:///"), path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine)


@pytest.fixture
def db_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Points the CLI (settings and engine cache) at the test database; yields its URL."""
    from huikuan import config
    from huikuan.storage import engine as engines

    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("HUIKUAN_DATABASE_URL", url)
    monkeypatch.setenv("HUIKUAN_LOCALE", "en")
    config.get_settings.cache_clear()
    monkeypatch.setitem(engines._engines, url, engine)
    yield url
    config.get_settings.cache_clear()


@pytest.fixture
def floor(uow: UnitOfWork) -> Iterator[Floor]:
    """The workbench personas and their cases (tests/support/floor.py), inside an open unit of work."""
    with uow:
        yield build_floor(uow)
