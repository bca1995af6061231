"""Times the audit viewer's reads (services/audit_view.py) on a large audit log.

    .venv/bin/python bench/audit_viewer_bench.py [--events 1000000] [--db postgresql|sqlite|both] [--rebuild]

Each database (PostgreSQL `hk_bench_audit` on the server of --pg-url; SQLite bench/out/audit-N.db) is
built once and kept: 60 users and --events audit rows over 90 days, written with Polars and COPY
(storage/bulk.py). The actions mimic a floor: mostly case.viewed and contacts on 100,000 cases, a few
administration events. The rows carry fake hashes: the bench reads the log, it never checks the chain.

Then each filter of the viewer (none; a user; a kind by its first word; a case; one day; a user and a
kind; page 100 of everything) is asked --repeat times, as a supervisor: the page of 50 rows plus the true
count. Prints the median and the 95th percentile in milliseconds, and writes bench/out/audit-viewer-*.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from huikuan.services.access import get_viewer
from huikuan.services.audit_view import AuditFilter, audit_events
from huikuan.storage import tables as t
from huikuan.storage.bulk import insert_frame
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade
from huikuan.storage.uow import UnitOfWork

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_audit"
START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 90
USERS = 60
CASES = 100_000
ACTIONS = (
    ("case.viewed", 0.55),
    ("contact.recorded", 0.2),
    ("case.claimed", 0.1),
    ("message.queued", 0.1),
    ("user.login", 0.04),
    ("user.updated", 0.01),
)


def _pg_admin(url: str, statement: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(parsed.database)))


def _fill(url: str, events: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    rng = np.random.default_rng(15)
    users = pl.DataFrame(
        {
            "id": list(range(1, USERS + 1)),
            "username": [f"u{i:02d}" for i in range(1, USERS + 1)],
            "display_name": [f"User {i}" for i in range(1, USERS + 1)],
            "role": ["supervisor"] + ["collector"] * (USERS - 1),
            "password_hash": [""] * USERS,
            "locale": ["en"] * USERS,
            "languages": [["zh"]] * USERS,
            "skills": [[]] * USERS,
            "shifts": [[]] * USERS,
            "active": [True] * USERS,
        }
    )
    names = [a for a, _ in ACTIONS]
    weights = np.array([w for _, w in ACTIONS])
    chunk = 200_000
    with engine.begin() as conn:
        insert_frame(conn, t.users, users)
        for first in range(0, events, chunk):
            n = min(chunk, events - first)
            seconds = rng.integers(0, DAYS * 86400, n)  # anywhere in the window
            action = rng.choice(len(names), n, p=weights / weights.sum())
            is_case = action < 4
            frame = pl.DataFrame(
                {
                    "id": np.arange(first + 1, first + n + 1),
                    "at": [START + timedelta(seconds=int(s)) for s in seconds],
                    "user_id": rng.integers(1, USERS + 1, n),
                    "action": [names[a] for a in action],
                    "entity": np.where(is_case, "case", "user"),
                    "entity_id": np.where(
                        is_case, rng.integers(1, CASES + 1, n), rng.integers(1, USERS + 1, n)
                    ),
                    "detail": [{}] * n,
                    "seq": np.arange(first + 1, first + n + 1),
                    "prev_hash": ["0" * 64] * n,
                    "row_hash": ["0" * 64] * n,
                }
            )
            insert_frame(conn, t.audit_events, frame)
    # As a log that has lived a while: statistics gathered and (PostgreSQL) the visibility map set, so
    # that counts may read the indexes alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()


def _filters() -> dict[str, tuple[AuditFilter, int]]:
    day = (START + timedelta(days=45)).date()
    return {
        "everything": (AuditFilter(), 1),
        "one user": (AuditFilter(username="u17"), 1),
        "kind user.*": (AuditFilter(kind="user"), 1),
        "one case": (AuditFilter(case_id=4242), 1),
        "one day": (AuditFilter(since=day, until=day), 1),
        "user and kind": (AuditFilter(username="u17", kind="contact.recorded"), 1),
        "everything, page 100": (AuditFilter(), 100),
    }


def _time(url: str, repeat: int) -> dict[str, Any]:
    engine = make_engine(url)
    results: dict[str, Any] = {}
    with UnitOfWork(engine) as uow:
        total = uow.session.execute(select(func.count()).select_from(t.audit_events)).scalar_one()
        viewer = get_viewer(uow, 1)
        for name, (where, page) in _filters().items():
            audit_events(uow, viewer, where, page)  # warm
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                rows, paging = audit_events(uow, viewer, where, page)
                times.append((time.perf_counter() - began) * 1000)
                uow.rollback()
            times.sort()
            results[name] = {
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                "matching": paging.total,
            }
            figures = results[name]
            print(
                f"  {name:24} median {figures['median_ms']:8.1f} ms  p95 {figures['p95_ms']:8.1f} ms"
                f"  ({paging.total} events match)"
            )
    engine.dispose()
    return {"events": total, "filters": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    targets = []
    if args.db in ("postgresql", "both"):
        targets.append(("postgresql", args.pg_url))
    if args.db in ("sqlite", "both"):
        targets.append(("sqlite", f"sqlite:///{OUT / f'audit-{args.events}.db'}"))
    for kind, url in targets:
        marker = OUT / f"audit-viewer-{args.events}-{kind}.built"
        if args.rebuild or not marker.exists():
            if kind == "postgresql":
                _pg_admin(url, "DROP DATABASE IF EXISTS {db}")
                _pg_admin(url, "CREATE DATABASE {db}")
            else:
                Path(make_url(url).database or "").unlink(missing_ok=True)
            began = time.perf_counter()
            _fill(url, args.events)
            print(f"{kind}: {args.events} events written in {time.perf_counter() - began:.0f} s")
            marker.write_text(date.today().isoformat())
        print(f"{kind}: the audit viewer's page of 50 and its true count")
        result = _time(url, args.repeat)
        (OUT / f"audit-viewer-{args.events}-{kind}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
