"""The floor under "my work today" and "next case": what the simplest queries that give a collector's first
page and its count cost on this machine, on the queue benchmark's databases (bench/queue_bench.py builds
them; run that first).

    .venv/bin/python bench/queue_floor.py [--db both|sqlite|postgresql] [--runs 15] [--accounts 100000]

Timed, median of --runs after a warm-up, each on `cases` alone with the collector's scope (its own, its
team's and the pool's cases; bench collector 1):
- `page_from_index`: the first 100 cases in the order of an index (a probe index on cases(priority, id),
  made for the run and dropped after it), joined to their debtors: what a page costs when an index gives
  the queue's order;
- `page_sorted_on_cases`: the first 100 of the workable, due cases sorted by keys of `cases` alone (no
  debtor, no plan row): what a page costs when every key is on the case but no index gives the order;
- `count_on_cases`: the true count of the same cases, on `cases` alone (a scan: the scope is an OR);
- `queue_page_query` and `queue_count_query`: the queue's own first page (its parts read in turn) and
  true count (services/queue_order.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from common import OUT  # bench/ is on the path when this script runs
from queue_bench import DEFAULT_PG
from sqlalchemy import Connection, func, select, text

from huikuan.services.access import get_viewer
from huikuan.services.queue_order import clock_at, in_order, ordered, page_rows
from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine
from huikuan.storage.uow import UnitOfWork

COLLECTOR = 1
SCOPE = (
    "(c.assigned_user_id = :me OR c.claimed_by = :me OR c.assigned_user_id IS NULL"
    " OR c.assigned_user_id IN (SELECT id FROM users WHERE team_id = :team))"
)
WORKABLE = (
    "c.open_accounts > 0 AND c.stage NOT IN ('hold', 'dispute', 'closed')"
    " AND (c.next_action_due_at IS NULL OR c.next_action_due_at < :end_of_day)"
)
FLOOR = {
    "page_from_index": f"SELECT c.id, d.name FROM cases c JOIN debtors d ON d.id = c.debtor_id WHERE {SCOPE} "
    f"AND {WORKABLE} ORDER BY c.priority DESC, c.id LIMIT 100",
    "page_sorted_on_cases": f"SELECT c.id FROM cases c WHERE {SCOPE} AND {WORKABLE} "
    "ORDER BY c.priority DESC, CASE WHEN c.assigned_user_id = :me THEN 0 ELSE 1 END, "
    "c.next_action_due_at, c.open_balance DESC, c.id "
    "LIMIT 100",
    "count_on_cases": f"SELECT count(*) FROM cases c WHERE {SCOPE} AND {WORKABLE}",
}


def _median(runs: int, call: Any) -> float:
    for _ in range(3):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def _floor(conn: Connection, runs: int, params: dict[str, Any]) -> dict[str, float]:
    conn.execute(text("CREATE INDEX ix_floor_probe ON cases (priority DESC, id)"))
    conn.execute(text("ANALYZE cases"))
    conn.commit()
    try:
        return {
            name: _median(runs, lambda q=q: conn.execute(text(q), params).all()) for name, q in FLOOR.items()
        }
    finally:
        conn.execute(text("DROP INDEX ix_floor_probe"))
        conn.commit()


def run(url: str, runs: int) -> dict[str, float]:
    engine = make_engine(url)
    clock = clock_at(None)
    with UnitOfWork(engine) as uow:
        viewer = get_viewer(uow, COLLECTOR)
        c = t.cases.c
        parts = ordered(uow, viewer, clock, [c.id, t.debtors.c.name], due_only=True)
        counted = in_order(viewer, clock, [c.id], due_only=True, counting=True).subquery()
        count = select(func.count()).select_from(counted)
        result = {
            "queue_page_query": _median(runs, lambda: page_rows(uow, parts, 100)),
            "queue_count_query": _median(runs, lambda: uow.session.execute(count).scalar()),
        }
        params = {"me": COLLECTOR, "team": viewer.team_id, "end_of_day": clock.end_of_day}
    with engine.connect() as conn:
        result |= _floor(conn, runs, params)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--db", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pg-url", default=os.environ.get("HUIKUAN_BENCH_PG_URL", DEFAULT_PG))
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        url = f"sqlite:///{OUT / f'queue-{args.accounts}.sqlite'}" if kind == "sqlite" else args.pg_url
        print(kind, "load average", [round(x, 2) for x in os.getloadavg()], run(url, args.runs), flush=True)


if __name__ == "__main__":
    main()
