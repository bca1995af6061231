"""The database's plan of the statement a service runs: captured as it runs, then EXPLAINed (on
PostgreSQL with sequential scans discouraged, so that a usable index shows even on a test's few rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, event


def plan_of(conn: Connection, table: str, run: Callable[[], Any]) -> str:
    """The plan of the one statement reading `table` that `run` executes on `conn`."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if f"FROM {table}" in statement:
            seen.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(conn, "before_cursor_execute", keep)
    ((statement, parameters),) = seen
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    if conn.dialect.name == "sqlite":
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
    else:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}", parameters)
    return " ".join(str(row[-1]) for row in cursor.fetchall())
