"""Times "my work today" (the queue's first page with its true count) and "next case" (claiming the next
case) on a 100,000-account database, PostgreSQL and SQLite, through the services the web and the API call.

    .venv/bin/python bench/queue_bench.py [--accounts 100000] [--db both|sqlite|postgresql] [--runs 60]
                                          [--rebuild]

The databases are built once and kept: `hk_bench_queue` on the server of --pg-url and
bench/out/queue-N.sqlite. Each holds the daily-plan benchmark's portfolio (bench/make_portfolio.py:
one `cn` creditor, ~1.1 accounts per debtor; two interactions per account here, the queue reads none),
the collectors in teams of ten, today's daily plan for every case and a supervisor `bench_sup`.

Timed, each --runs times after a warm-up: a collector's "my work today" (its team's cases and the pool),
the supervisor's team view (every case), both with a filter and a sort order, and a collector's "next
case" (each call releases the previous claim and claims the next free case). Target: <= 50 ms median.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from common import OUT, database_args, kept_database, kinds, machine, report, timed  # bench/ is on the path
from make_portfolio import make_portfolio
from sqlalchemy import Engine, func, insert, select, update

from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_queue"
TARGET_MS = 50.0
TEAM_SIZE = 10


def _fill(engine: Engine, accounts: int) -> dict[str, Any]:
    """The portfolio, teams of collectors, today's plan and the supervisor."""
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    counts = make_portfolio(engine, accounts, seed=7, today=today, per_account=2.0)
    p = t.plan_rows.c
    with engine.begin() as conn:
        collectors = conn.execute(select(t.users.c.id).order_by(t.users.c.id)).scalars().all()
        for n in range(0, len(collectors), TEAM_SIZE):
            team = conn.execute(insert(t.teams).values(name=f"team {n // TEAM_SIZE + 1}", languages=["zh"]))
            members = collectors[n : n + TEAM_SIZE]
            conn.execute(
                update(t.users).where(t.users.c.id.in_(members)).values(team_id=team.inserted_primary_key[0])
            )
        cases = conn.execute(select(t.cases.c.id, t.cases.c.segment)).all()
        rows = [
            {
                "plan_date": today,
                "strategy": "optimized",
                "case_id": case_id,
                "action": ("call", "sms", "none")[case_id % 3],
                "slot_start": datetime.combine(today, datetime.min.time(), UTC)
                + timedelta(hours=1 + case_id % 11),
                "p_answer": 0.5,
                "p_pay": 0.1,
                "expected_value": (case_id * 7919) % 50_000,
                "cost": 300,
                "segment": "able_willing",
                "reason": {},
                "created_at": datetime.now(UTC),
            }
            for case_id, _segment in cases
        ]
        for n in range(0, len(rows), 20_000):
            conn.execute(insert(t.plan_rows), rows[n : n + 20_000])
        counts["plan_rows_today"] = conn.execute(
            select(func.count()).select_from(t.plan_rows).where(p.plan_date == today)
        ).scalar_one()
    from huikuan.services.users import add_user
    from huikuan.storage.uow import UnitOfWork

    with UnitOfWork(engine) as uow:
        add_user(uow, "bench_sup", "bench-password-1", role="supervisor", display_name="基准主管")
        uow.commit()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def database(kind: str, accounts: int, pg_url: str, rebuild: bool) -> str:
    """The URL of the bench database of that kind, built if it is not there (or --rebuild)."""
    name = f"queue-{accounts}.sqlite"
    url, _built = kept_database(kind, name, pg_url, rebuild, lambda engine: _fill(engine, accounts))
    return url


def _time(runs: int, call: Callable[[], Any]) -> dict[str, float]:
    return timed(runs, call, warm_up=3)


def bench(url: str, runs: int, baseline: bool = False) -> dict[str, Any]:
    """The timings; `baseline`: the code before issue 15 (no filters, no kept balance), run from another
    checkout on the same database (PYTHONPATH=<that checkout>/src)."""
    from huikuan.services.access import get_viewer
    from huikuan.services.queue import next_case, queue_page
    from huikuan.storage.uow import UnitOfWork

    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        sup_id = uow.session.execute(
            select(t.users.c.id).where(t.users.c.username == "bench_sup")
        ).scalar_one()
        collector = get_viewer(uow, 1)
        supervisor = get_viewer(uow, sup_id)
        counts = {
            "accounts": uow.session.execute(select(func.count()).select_from(t.accounts)).scalar_one(),
            "collector_queue_total": queue_page(uow, collector).paging.total,
            "team_view_total": queue_page(uow, supervisor, team=True).paging.total,
        }
        results = {
            "my_work_today_collector": _time(runs, lambda: queue_page(uow, collector)),
            "team_view_supervisor": _time(runs, lambda: queue_page(uow, supervisor, team=True)),
            "next_case_collector": _time(runs, lambda: next_case(uow, collector)),
        }
        if not baseline:
            from huikuan.services.case_filter import CaseFilter
            from huikuan.services.queue import QueueQuery

            narrow = QueueQuery(narrow=CaseFilter(dpd="91-180"), sort="balance")
            filtered = _time(runs, lambda: queue_page(uow, collector, ask=narrow))
            results["my_work_today_filtered_sorted"] = filtered
        free = update(t.cases).where(t.cases.c.claimed_by.is_not(None))  # touch only the claimed rows
        uow.session.execute(free.values(claimed_by=None, claim_expires_at=None))
        uow.commit()
    engine.dispose()
    return {**counts, **results}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    database_args(parser, DEFAULT_PG, "both")
    parser.add_argument("--baseline", action="store_true", help="time the code on PYTHONPATH, no upgrade")
    args = parser.parse_args()
    for kind in kinds(args.db):
        if args.baseline:
            url = f"sqlite:///{OUT / f'queue-{args.accounts}.sqlite'}" if kind == "sqlite" else args.pg_url
        else:
            url = database(kind, args.accounts, args.pg_url, args.rebuild)
        result = {
            "db": kind,
            "code": "baseline" if args.baseline else "this checkout",
            "target_median_ms": TARGET_MS,
            **machine(),
            **bench(url, args.runs, args.baseline),
        }
        report(f"queue-{args.accounts}-{kind}{'-baseline' if args.baseline else ''}", result)


if __name__ == "__main__":
    main()
