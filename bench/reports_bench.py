"""Times the `reports` job and the KPI API's query on a large portfolio, SQLite and PostgreSQL.

    .venv/bin/python bench/reports_bench.py [--accounts 20000] [--per-account 10]
                                            [--db sqlite|postgresql|both]
                                            [--runs 10] [--rebuild]

The databases are built once and kept (bench/out/reports-N.sqlite; `hk_bench_reports_N` on the server of
--pg-url): the daily-plan benchmark's portfolio (bench/make_portfolio.py: one `cn` creditor, about
`--per-account` interactions per account over the 90 days before today, their promises and payments),
collectors in teams of ten, today's plan for every case and a supervisor `bench_sup`.

Timed:
- the backfill: the job's days recomputed from 90 days back (once, when the database is new);
- the month-end snapshot of every account (last month's end, taken again);
- the nightly increment: the job as it runs each night (the days since its last run, yesterday and
  today), `--runs` times; target <= 60 s at 1,000,000 accounts;
- the KPI query of the API (services/report_kpis.py, as the supervisor): this month by day, and the last
  90 days split by collector; target <= 1 s at 1,000,000 accounts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from make_portfolio import make_portfolio  # bench/ is on the path when this script runs
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import make_url

from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_reports"
TEAM_SIZE = 10


def _pg_admin(url: str, statement: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(parsed.database)))


def _pg_exists(url: str) -> bool:
    import psycopg

    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone()
    return found is not None


def _fill(url: str, accounts: int, per_account: float) -> dict[str, Any]:
    """The portfolio, teams of collectors, today's plan, the supervisor, and the 90-day backfill."""
    from huikuan.services.reports import refresh
    from huikuan.services.users import add_user
    from huikuan.storage.uow import UnitOfWork

    engine = make_engine(url)
    today = datetime.now(UTC).date()
    counts = make_portfolio(engine, accounts, seed=11, today=today, per_account=per_account)
    with engine.begin() as conn:
        collectors = conn.execute(select(t.users.c.id).order_by(t.users.c.id)).scalars().all()
        for n in range(0, len(collectors), TEAM_SIZE):
            team = conn.execute(insert(t.teams).values(name=f"team {n // TEAM_SIZE + 1}", languages=["zh"]))
            members = collectors[n : n + TEAM_SIZE]
            conn.execute(
                update(t.users).where(t.users.c.id.in_(members)).values(team_id=team.inserted_primary_key[0])
            )
        cases = conn.execute(select(t.cases.c.id)).scalars().all()
        now = datetime.now(UTC)
        rows = [
            {
                "plan_date": today,
                "strategy": "optimized",
                "case_id": case_id,
                "action": ("call", "sms", "none")[case_id % 3],
                "expected_value": 0,
                "cost": 300,
                "reason": {},
                "created_at": now,
            }
            for case_id in cases
        ]
        for n in range(0, len(rows), 20_000):
            conn.execute(insert(t.plan_rows), rows[n : n + 20_000])
    with UnitOfWork(engine) as uow:
        add_user(uow, "bench_sup", "bench-password-1", role="supervisor", display_name="基准主管")
        uow.commit()
        started = time.perf_counter()
        counts["backfill"] = refresh(uow, datetime.now(UTC), today - timedelta(days=90))
        counts["backfill_seconds"] = round(time.perf_counter() - started, 1)
    engine.dispose()
    return counts


def database(
    kind: str, accounts: int, per_account: float, pg_url: str, rebuild: bool
) -> tuple[str, dict[str, Any]]:
    """The URL of the bench database of that kind, built if it is not there (or --rebuild)."""
    if kind == "sqlite":
        path = OUT / f"reports-{accounts}.sqlite"
        url = f"sqlite:///{path}"
        if rebuild and path.exists():
            path.unlink()
        fresh = not path.exists()
    else:
        url = (
            make_url(pg_url)
            .set(database=f"hk_bench_reports_{accounts}")
            .render_as_string(hide_password=False)
        )
        if rebuild:
            _pg_admin(url, "DROP DATABASE IF EXISTS {db}")
        fresh = not _pg_exists(url)
        if fresh:
            _pg_admin(url, "CREATE DATABASE {db}")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    built: dict[str, Any] = {}
    if fresh:
        print(f"building {kind} ({accounts:,} accounts) ...", flush=True)
        built = _fill(url, accounts, per_account)
        print(json.dumps(built, default=str), flush=True)
    return url, built


def _time(runs: int, call: Callable[[], Any]) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 1),
        "max_ms": round(ordered[-1], 1),
    }


def bench(url: str, runs: int) -> dict[str, Any]:
    from huikuan.services.access import get_viewer
    from huikuan.services.report_kpis import KpiQuery, kpis
    from huikuan.services.reports import JOB, refresh
    from huikuan.storage.report_store import take_month_end
    from huikuan.storage.uow import UnitOfWork

    engine = make_engine(url)
    now = datetime.now(UTC)
    today = now.date()
    with UnitOfWork(engine) as uow:
        s = uow.session
        counts = {
            "accounts": s.execute(select(func.count()).select_from(t.accounts)).scalar_one(),
            "interactions": s.execute(select(func.count()).select_from(t.interactions)).scalar_one(),
            "report_daily_rows": s.execute(select(func.count()).select_from(t.report_daily)).scalar_one(),
        }
        end = today.replace(day=1) - timedelta(days=1)
        m = t.account_month_ends.c

        def snapshot() -> None:
            s.execute(delete(t.account_month_ends).where(m.month_end == end))
            take_month_end(
                s.connection(), end, datetime.combine(today.replace(day=1), datetime.min.time(), UTC)
            )
            uow.commit()

        def nightly() -> None:
            # As the job finds it each night: its last run the evening before.
            last = now - timedelta(hours=20)
            s.execute(delete(t.job_leases).where(t.job_leases.c.name == JOB))
            s.execute(insert(t.job_leases).values(name=JOB, last_run_at=last, last_result={}))
            uow.commit()
            refresh(uow, now)

        sup_id = s.execute(select(t.users.c.id).where(t.users.c.username == "bench_sup")).scalar_one()
        supervisor = get_viewer(uow, sup_id)
        month = KpiQuery(creditor="BENCH-CN", first=today.replace(day=1), last=today, group_by="day")
        quarter = KpiQuery(
            creditor="BENCH-CN", first=today - timedelta(days=90), last=today, split="collector"
        )
        results = {
            "month_end_snapshot": _time(1, snapshot),
            "nightly_increment": _time(runs, nightly),
            "kpis_this_month_by_day": _time(runs, lambda: kpis(uow, supervisor, month, today)),
            "kpis_90_days_by_collector": _time(runs, lambda: kpis(uow, supervisor, quarter, today)),
        }
    engine.dispose()
    return {**counts, **results}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--per-account", type=float, default=10.0)
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("HUIKUAN_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    for kind in kinds:
        url, built = database(kind, args.accounts, args.per_account, args.pg_url, args.rebuild)
        result = {
            "db": kind,
            "machine": f"{platform.machine()} {os.cpu_count()} cores",
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "built": built,
            **bench(url, args.runs),
        }
        (OUT / f"reports-{args.accounts}-{kind}.json").write_text(json.dumps(result, indent=2, default=str))
        print(json.dumps(result, indent=2, default=str), flush=True)


if __name__ == "__main__":
    main()
