"""Times a collector's queue ("my work today") and "next case" under each kind of tenancy scope.

    .venv/bin/python bench/tenancy_bench.py [--accounts 100000] [--runs 30] [--db postgresql|sqlite|both]

Builds (each time) the daily-plan benchmark's portfolio (bench/make_portfolio.py, with one interaction
per account to be quick) in `hk_bench_tenancy` on the PostgreSQL server of --pg-url and in
bench/out/tenancy-N.db, then gives half of the cases to a second creditor and puts a fifth of them in the
unassigned pool. collector1 is put in a team; its queue's first page (100 cases) and a claim by
`next_case` (released after) are timed --runs times in three scopes: no rows (every creditor, as before
tenancy), its team serving the first creditor, and its own row for the second creditor (beating the
team's). Prints and writes bench/out/tenancy-N-<db>.json: the median and the 95th percentile in ms.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from make_portfolio import make_portfolio  # bench/ is on the path when this script runs
from sqlalchemy import Engine, create_engine, delete, insert, text, update
from sqlalchemy.engine import make_url

from huikuan.services.access import get_viewer
from huikuan.services.queue import my_work, next_case, release_case
from huikuan.storage import tables as t
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade
from huikuan.storage.uow import UnitOfWork

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "hk_bench_tenancy"


def _fresh_postgres(server: str) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def _fresh_sqlite(accounts: int) -> str:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"tenancy-{accounts}.db"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _shape(engine: Engine) -> None:
    """Two creditors, half the cases each; a fifth of the cases in the pool; collector1 in team 1."""
    c = t.cases.c
    with engine.begin() as conn:
        conn.execute(
            insert(t.creditors).values(
                id=2,
                code="BENCH-2",
                name="第二委托方",
                region="CN",
                currency="CNY",
                pack="cn",
                time_zone="Asia/Shanghai",
                pack_overrides={},
                authority_policy={},
                header_mapping={},
            )
        )
        conn.execute(update(t.cases).where(c.id % 2 == 0).values(creditor_id=2))
        conn.execute(update(t.accounts).where(t.accounts.c.case_id % 2 == 0).values(creditor_id=2))
        conn.execute(update(t.cases).where(c.id % 5 == 0).values(assigned_user_id=None))
        conn.execute(insert(t.teams).values(id=1, name="bench-team", languages=[]))
        conn.execute(update(t.users).where(t.users.c.id == 1).values(team_id=1))


def _scope(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(t.team_creditors))
        conn.execute(delete(t.user_creditors))
        if name in ("team", "user"):
            conn.execute(insert(t.team_creditors).values(team_id=1, creditor_id=1))
        if name == "user":
            conn.execute(insert(t.user_creditors).values(user_id=1, creditor_id=2))


def _time(runs: int, call: Any) -> dict[str, float]:
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(runs - 1, math.ceil(0.95 * runs) - 1)]
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}


def _measure(engine: Engine, runs: int, now: datetime) -> dict[str, Any]:
    """collector1's queue page and a claim (released after), in the scope the tables hold now."""
    uow = UnitOfWork(engine)
    with uow:
        viewer = get_viewer(uow, 1)

        def claim() -> None:
            case_id = next_case(uow, viewer, now=now)
            assert case_id is not None
            release_case(uow, viewer, case_id)

        return {
            "my_work": _time(runs, lambda: my_work(uow, viewer, now=now)),
            "next_case": _time(runs, claim),
            "queue_length": len(my_work(uow, viewer, now=now, limit=100_000)),
        }


def bench(url: str, accounts: int, runs: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    built = make_portfolio(engine, accounts, per_account=1.0)
    _shape(engine)
    now = datetime.now(UTC)
    result: dict[str, Any] = {"database": engine.dialect.name, "accounts": built["accounts"], "runs": runs}
    for scope in ("none", "team", "user"):
        _scope(engine, scope)
        result[scope] = _measure(engine, runs, now)
        print(engine.dialect.name, scope, result[scope], flush=True)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    kinds = ("postgresql", "sqlite") if args.db == "both" else (args.db,)
    for kind in kinds:
        url = _fresh_postgres(args.pg_url) if kind == "postgresql" else _fresh_sqlite(args.accounts)
        result = bench(url, args.accounts, args.runs)
        (OUT / f"tenancy-{args.accounts}-{kind}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
