"""Times the plan-dispatch job: today's planned messages through the gate into the outbox.

    python bench/dispatch_bench.py --accounts 2000,10000 --db both [--workers N]

For each size a portfolio is generated afresh (bench/make_portfolio.py, one `cn` creditor, ~10
interactions per account) and planned (`make_plan`, with an SMS provider configured so that SMS are
planned). The plan chooses calls for many cases; to time messages alone, every case the plan did not
give a message is then given one (one in ten a letter, the rest an SMS at a slot between 10:00 and 18:00
China time), untimed. Then `dispatch_plan` runs once, timed, from this process (with its worker
processes, `--workers`, HUIKUAN_DISPATCH_WORKERS: 0 one per core, 1 none), as the job does at 08:00
China time: each message is written from the template its case's state calls for, asked about at its
slot by the gate, and queued (or refused) in batches (services/plan_queue.py). The floor is timed
too: the same messages put into the outbox with one executemany and nothing else.

Target: 200,000 planned messages in <= 60 s (docs/benchmarks.md): about 220,000 accounts. The rate
measured on a smaller portfolio gives a figure for 200,000 (the printed line says so); with workers it
understates them, whose start (~2 s of CPU each) weighs less on a larger run.
SQLite files go to bench/out/dispatch-N.db; PostgreSQL databases huikuan_dispatch_N on --pg-url's server
are created and dropped by the bench.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_MESSAGES = 200_000
TARGET_SECONDS = 60.0
MESSAGES = ("sms", "email", "wechat", "letter")

# What the messages need before anything is imported (the settings are read once).
os.environ.setdefault("HUIKUAN_AGENCY_PHONE", "400-000-0000")
os.environ.setdefault("HUIKUAN_AGENCY_NAME", "Huikuan Bench Services")
os.environ.setdefault("HUIKUAN_SMS_URL", "http://127.0.0.1:9/sms")  # never called: nothing is sent here
os.environ.setdefault("HUIKUAN_TIME_ZONE", "Asia/Shanghai")
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from make_portfolio import make_portfolio  # noqa: E402
from sqlalchemy import Engine, delete, insert, select, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from huikuan.services.plan import make_plan  # noqa: E402
from huikuan.services.plan_dispatch import dispatch_plan  # noqa: E402
from huikuan.storage import tables as t  # noqa: E402
from huikuan.storage.engine import make_engine  # noqa: E402
from huikuan.storage.migrate import upgrade  # noqa: E402
from huikuan.storage.uow import UnitOfWork  # noqa: E402


def _pg_admin(url: str, statement: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    if not parsed.database or not parsed.database.startswith("huikuan_dispatch_"):
        raise SystemExit(f"refusing to create or drop {parsed.database!r}: not a dispatch bench database")
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(parsed.database)))


def fresh_database(kind: str, accounts: int, pg_base: str) -> str:
    if kind == "sqlite":
        path = OUT / f"dispatch-{accounts}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    url = make_url(pg_base).set(database=f"huikuan_dispatch_{accounts}").render_as_string(hide_password=False)
    _pg_admin(url, "DROP DATABASE IF EXISTS {db}")
    _pg_admin(url, "CREATE DATABASE {db}")
    return url


def top_up(engine: Engine, day: date) -> dict[str, int]:
    """Gives every case of the day's plan without a message one (untimed); the planned actions by kind."""
    p = t.plan_rows.c
    ten = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in China
    with engine.begin() as conn:
        rows = conn.execute(select(p.id).where(p.plan_date == day, p.action.not_in(MESSAGES))).all()
        for start in range(0, len(rows), 5000):
            for row in rows[start : start + 5000]:
                letter = row.id % 10 == 0
                conn.execute(
                    update(t.plan_rows)
                    .where(p.id == row.id)
                    .values(
                        action="letter" if letter else "sms",
                        slot_start=None if letter else ten + timedelta(minutes=row.id % 480),
                    )
                )
        found = conn.execute(select(p.action).where(p.plan_date == day)).scalars().all()
    counts: dict[str, int] = {}
    for action in found:
        counts[action] = counts.get(action, 0) + 1
    return counts


def floor_seconds(engine: Engine) -> float:
    """The floor: the job's messages taken out and put back with one executemany, nothing else (timed
    from the insert to its commit)."""
    with engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(t.messages))]
        conn.execute(delete(t.messages))
    for row in rows:
        row.pop("id")
    started = time.perf_counter()
    with engine.begin() as conn:
        if rows:
            conn.execute(insert(t.messages), rows)
    return time.perf_counter() - started


def bench(kind: str, accounts: int, pg_base: str, seed: int, workers: int) -> dict[str, Any]:
    from huikuan.config import get_settings

    settings = get_settings().model_copy(update={"dispatch_workers": workers})
    url = fresh_database(kind, accounts, pg_base)
    engine = make_engine(url)
    upgrade(engine)
    today = datetime.now(UTC).date()
    generated = make_portfolio(engine, accounts, seed=seed, today=today)
    plan_now = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(hours=2)  # 06:00 China
    with UnitOfWork(engine) as uow:
        planned = make_plan(uow, today, now=plan_now)
    by_action = top_up(engine, today)
    at = datetime(today.year, today.month, today.day, tzinfo=UTC)  # 08:00 China: the slots are to come
    started = time.perf_counter()
    with UnitOfWork(engine) as uow:
        counts = dispatch_plan(uow, at, settings=settings)
        uow.commit()
    seconds = time.perf_counter() - started
    floor = floor_seconds(engine)
    engine.dispose()
    if kind == "postgresql":
        _pg_admin(url, "DROP DATABASE IF EXISTS {db}")
    per_second = counts["planned"] / seconds if seconds else 0.0
    return {
        "database": kind,
        "accounts": generated["accounts"],
        "workers": workers or f"0 (one per core: {os.cpu_count()})",
        "cases": planned["cases"],
        "plan_actions": planned["actions"],
        "dispatched_actions": by_action,
        "counts": counts,
        "seconds": round(seconds, 2),
        "messages_per_second": round(per_second, 1),
        "seconds_for_200000": round(TARGET_MESSAGES / per_second, 1) if per_second else None,
        "floor_seconds": round(floor, 2),
        "floor_for_200000": round(floor * TARGET_MESSAGES / counts["planned"], 1)
        if counts["planned"]
        else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="2000", help="Comma-separated portfolio sizes")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("HUIKUAN_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, default=0, help="HUIKUAN_DISPATCH_WORKERS: 0 one per core, 1 one process"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}", flush=True)
    for kind in kinds:
        for accounts in (int(x) for x in args.accounts.split(",") if x):
            result = bench(kind, accounts, args.pg_url, args.seed, args.workers)
            verdict = "met" if (result["seconds_for_200000"] or 1e9) <= TARGET_SECONDS else "NOT met"
            print(
                f"{kind:10} {result['counts']['planned']:>8,} planned messages in "
                f"{result['seconds']:>8.2f} s "
                f"({result['messages_per_second']:,.0f}/s; 200,000 would take "
                f"{result['seconds_for_200000']} s: target {verdict}; floor {result['floor_seconds']} s, "
                f"load {result['load_average']})",
                flush=True,
            )
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
