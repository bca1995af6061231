"""Times the floor's dashboard page (GET /reports), the whole request, on the reports benchmark's database.

    .venv/bin/python bench/dashboard_bench.py [--accounts 20000] [--db sqlite|postgresql|both] [--runs 20]

The database is bench/reports_bench.py's (built by it if it is not there: the daily-plan benchmark's
portfolio, collectors in teams of ten, today's plan, the supervisor `bench_sup` and the 90-day backfill of
the `reports` job). The supervisor logs in through the login page and asks, with a FastAPI TestClient
(routing, session, the KPI service's queries, template rendering, to the HTML):

- this month by day, split by collector (the page's default view);
- the last 90 days by week, split by collector.

Target: <= 1 s per dashboard at 1,000,000 accounts (issue 16).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from case_page_bench import login  # bench/ is on the path when this script runs
from common import database_args, kinds, machine, report, timed
from reports_bench import DEFAULT_PG, database

PASSWORD = "bench-password-1"  # bench_sup's, as reports_bench.py makes it


def bench(url: str, runs: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from huikuan import config
    from huikuan.web.app import create_app

    os.environ["HUIKUAN_MFA_ROLES"] = ""  # the bench's supervisor logs in with a password alone
    config.get_settings.cache_clear()
    today = datetime.now(UTC).date()
    views = {
        "this_month_by_day": f"/reports?creditor=BENCH-CN&from={today.replace(day=1)}&to={today}",
        "90_days_by_week": (
            f"/reports?creditor=BENCH-CN&from={today - timedelta(days=90)}&to={today}&group_by=week"
        ),
    }
    results: dict[str, Any] = {}
    with TestClient(create_app(url), base_url="https://testserver") as client:
        login(client, "bench_sup", PASSWORD)
        for name, path in views.items():
            first = client.get(path)  # warm-up, and the check that the page is the dashboard
            if first.status_code != 200 or 'data-chart="trend"' not in first.text:
                raise SystemExit(f"{path}: {first.status_code} {first.text[:300]}")
            results[name] = {**timed(runs, lambda path=path: client.get(path)), "bytes": len(first.content)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--per-account", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=20)
    database_args(parser, DEFAULT_PG, "sqlite")
    args = parser.parse_args()
    for kind in kinds(args.db):
        url, _built = database(kind, args.accounts, args.per_account, args.pg_url, args.rebuild)
        result = {"db": kind, "accounts": args.accounts, **machine(), **bench(url, args.runs)}
        report(f"dashboard-{args.accounts}-{kind}", result)


if __name__ == "__main__":
    main()
