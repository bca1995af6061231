"""Creating or upgrading the database schema."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from huikuan.storage import migrate


def init_database(engine: Engine) -> str:
    """Brings the schema to the newest migration; returns "created" or "upgraded"."""
    had_schema = inspect(engine).has_table("alembic_version")
    migrate.upgrade(engine)
    return "upgraded" if had_schema else "created"
