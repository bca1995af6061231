"""Times the `reports` job and the KPI API's query on a large portfolio, SQLite and PostgreSQL.

    .venv/bin/python bench/reports_bench.py [--accounts 20000] [--per-account 10]
                                            [--db sqlite|postgresql|both]
                                            [--runs 10] [--rebuild] [--parts]

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

With --parts (on a kept database), only where the KPI query's time goes: its storage queries one by one, and
the floors (the period's report_daily rows read bare; a scan of the month-end snapshot's rows).
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


def where_the_time_goes(url: str, runs: int) -> dict[str, Any]:
    """The KPI query's parts for the last 90 days split by collector (storage/report_store.py, as
    services/report_kpis.py calls them for the supervisor), and the floors: the same rows read the
    simplest way (every report_daily row of the period; a count over the snapshot's rows)."""
    from sqlalchemy import text

    from huikuan.storage.report_store import Scope, daily_sums, month_ends, refusal_sums, vintage_points

    engine = make_engine(url)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=90)
    scope = Scope((1,))
    with engine.connect() as conn:
        ends = month_ends(conn, first.replace(day=1) - timedelta(days=1), today)
        return {
            "month_ends_kept": [d.isoformat() for d in ends],
            "snapshot_rows": conn.execute(text("SELECT count(*) FROM account_month_ends")).scalar_one(),
            "part_daily_sums_by_collector": timed(
                runs, lambda: daily_sums(conn, scope, first, today, "collector"), warm_up=1
            ),
            "part_daily_sums_by_collector_whole_period": timed(
                runs, lambda: daily_sums(conn, scope, first, today, "collector", by_day=False), warm_up=1
            ),
            "part_refusal_sums": timed(runs, lambda: refusal_sums(conn, scope, first, today), warm_up=1),
            "part_month_ends": timed(runs, lambda: month_ends(conn, first, today), warm_up=1),
            "part_vintage_points": timed(runs, lambda: vintage_points(conn, scope, today), warm_up=1),
            "floor_report_daily_rows_of_90_days": timed(
                runs,
                lambda: conn.execute(
                    text("SELECT * FROM report_daily WHERE day >= :f AND day <= :l"), {"f": first, "l": today}
                ).all(),
                warm_up=1,
            ),
            "floor_count_snapshot_rows": timed(
                runs,
                lambda: conn.execute(
                    text(
                        "SELECT count(*), sum(placed), sum(collected) FROM account_month_ends "
                        "WHERE month_end <= :l AND placed_month IS NOT NULL"
                    ),
                    {"l": today},
                ).one(),
                warm_up=1,
            ),
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
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--parts",
        action="store_true",
        help="time only the KPI query's parts and the floors (a kept database)",
    )
    database_args(parser, DEFAULT_PG, "sqlite")
    args = parser.parse_args()
    for kind in kinds(args.db):
        url, built = database(kind, args.accounts, args.per_account, args.pg_url, args.rebuild)
        if args.parts:
            report(
                f"reports-{args.accounts}-{kind}-parts",
                {"db": kind, **machine(), **where_the_time_goes(url, args.runs)},
            )
            continue
        result = {"db": kind, **machine(), "built": built, **bench(url, args.runs)}
        report(f"reports-{args.accounts}-{kind}", result)


if __name__ == "__main__":
    main()
