"""What the database benchmarks share: their databases built once and kept (a file in bench/out, or a
database of its own on the PostgreSQL server), the timing loop and its statistics, and the JSON they write.

A benchmark gives `kept_database` its file name and its database's URL and a `fill` for a new one; it times
its calls with `timed` and writes `report(...)` to bench/out/NAME.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade

OUT = Path(__file__).resolve().parent / "out"
KINDS = ("both", "sqlite", "postgresql")


def _admin_conninfo(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    return conninfo, str(parsed.database)


def pg_admin(url: str, statement: str) -> None:
    """`statement` ({db}: the URL's database) run on the server's `postgres` database."""
    import psycopg
    from psycopg import sql

    conninfo, name = _admin_conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(name)))


def pg_exists(url: str) -> bool:
    import psycopg

    conninfo, name = _admin_conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def pg_named(pg_url: str, database: str) -> str:
    """The URL of another database on the server of `pg_url`."""
    return make_url(pg_url).set(database=database).render_as_string(hide_password=False)


def analyze(engine: Engine) -> None:
    """Fresh statistics for the planner once a database is filled."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def kept_database(
    kind: str, sqlite_name: str, pg_url: str, rebuild: bool, fill: Callable[[Engine], Any]
) -> tuple[str, Any]:
    """The URL of the benchmark's database of that kind (bench/out/`sqlite_name`, or `pg_url`'s database),
    migrated; a new one (or any with --rebuild) is filled by `fill` and analysed. (URL, what `fill` returned,
    printed; None for a kept database.)"""
    if kind == "sqlite":
        OUT.mkdir(exist_ok=True)
        path = OUT / sqlite_name
        url = f"sqlite:///{path}"
        if rebuild and path.exists():
            path.unlink()
        fresh = not path.exists()
    else:
        url = pg_url
        if rebuild:
            pg_admin(url, "DROP DATABASE IF EXISTS {db}")
        fresh = not pg_exists(url)
        if fresh:
            pg_admin(url, "CREATE DATABASE {db}")
    engine = make_engine(url)
    upgrade(engine)
    built = None
    if fresh:
        print(
            f"building {kind} {sqlite_name if kind == 'sqlite' else make_url(url).database} ...", flush=True
        )
        built = fill(engine)
        analyze(engine)
        print(json.dumps(built, default=str), flush=True)
    engine.dispose()
    return url, built


def stats(times: list[float]) -> dict[str, float]:
    """Median, 95th percentile and slowest of milliseconds."""
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


def timed(runs: int, call: Callable[[], Any], warm_up: int = 0) -> dict[str, float]:
    """`call` run `warm_up` times untimed, then `runs` times: the wall-clock statistics in milliseconds and
    this process's median CPU milliseconds (on SQLite the database's work is in this process: its CPU time
    says what the call costs whatever else the machine is running)."""
    for _ in range(warm_up):
        call()
    times, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return {**stats(times), "cpu_median_ms": round(statistics.median(cpu), 1)}


def machine() -> dict[str, Any]:
    """The machine and its load as the figures were taken (the load average: 1, 5 and 15 minutes)."""
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def kinds(db: str) -> tuple[str, ...]:
    return ("sqlite", "postgresql") if db == "both" else (db,)


def database_args(parser: argparse.ArgumentParser, pg_url: str, db: str) -> None:
    """--db, --pg-url (default: $HUIKUAN_BENCH_PG_URL or `pg_url`) and --rebuild."""
    parser.add_argument("--db", choices=KINDS, default=db)
    parser.add_argument("--pg-url", default=os.environ.get("HUIKUAN_BENCH_PG_URL", pg_url))
    parser.add_argument("--rebuild", action="store_true")


def report(name: str, result: dict[str, Any]) -> None:
    """The result printed and written to bench/out/`name`.json."""
    OUT.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (OUT / f"{name}.json").write_text(text)
    print(text, flush=True)
