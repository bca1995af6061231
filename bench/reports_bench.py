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
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from common import database_args, kept_database, kinds, machine, pg_named, report, timed  # bench/ on the path
from make_portfolio import make_portfolio
from sqlalchemy import Engine, delete, func, insert, select, update

from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_reports"
TEAM_SIZE = 10


def _fill(engine: Engine, accounts: int, per_account: float) -> dict[str, Any]:
    """The portfolio, teams of collectors, today's plan, the supervisor, and the 90-day backfill."""
    from huikuan.services.reports import refresh
    from huikuan.services.users import add_user
    from huikuan.storage.uow import UnitOfWork

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
    return counts


def database(
    kind: str, accounts: int, per_account: float, pg_url: str, rebuild: bool
) -> tuple[str, dict[str, Any]]:
    """The URL of the bench database of that kind, built if it is not there (or --rebuild), and what the
    build did (empty for a kept database)."""
    url, built = kept_database(
        kind,
        f"reports-{accounts}.sqlite",
        pg_named(pg_url, f"hk_bench_reports_{accounts}"),
        rebuild,
        lambda engine: _fill(engine, accounts, per_account),
    )
    return url, built or {}


def _time(runs: int, call: Callable[[], Any]) -> dict[str, float]:
    return timed(runs, call)


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
    parser.add_argument("--runs", type=int, default=5)
    database_args(parser, DEFAULT_PG, "sqlite")
    args = parser.parse_args()
    for kind in kinds(args.db):
        url, built = database(kind, args.accounts, args.per_account, args.pg_url, args.rebuild)
        result = {"db": kind, **machine(), "built": built, **bench(url, args.runs)}
        report(f"reports-{args.accounts}-{kind}", result)


if __name__ == "__main__":
    main()
