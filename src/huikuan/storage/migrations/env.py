"""Alembic environment: runs on the connection handed in by huikuan.storage.migrate, or the configured URL."""

from __future__ import annotations

from typing import Any

from alembic import context

from huikuan.storage.tables import metadata

config = context.config


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from huikuan.config import get_settings
    from huikuan.storage.engine import make_engine

    engine = make_engine(get_settings().database_url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
