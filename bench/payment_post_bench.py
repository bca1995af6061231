"""Times posting a payment through the web on the 100,000-account PostgreSQL database.

    .venv/bin/python bench/payment_post_bench.py [--accounts 100000] [--posts 200] [--rebuild]

The database is the case page benchmark's (`hk_bench_case`, bench/case_page_bench.py): built once and
kept, with its record bench/out/case-page-N-postgresql.json; this script builds it the same way when it
is missing. Its supervisor `bench_sup` logs in through the login page and, in a FastAPI TestClient (the
whole app in process: the session, CSRF, routing, the service, the templates), posts payments received by
hand as the payments tab does: POST /cases/{id}/payments with the session's X-CSRF-Token and HX-Request,
answered with the tab's panel re-rendered. Each post is a random case with an open account (seeded), a
small amount (1.00 to 50.00 CNY, so that few accounts are paid off) and a reference of its own. A warm-up
of --warmup posts comes first; then --posts are timed one by one. The confirmation step that precedes
each post in the browser (POST /cases/{id}/payments/preview) is timed too. Target: median <= 100 ms.

Every payment stays in the database (a payment is never deleted); each run's references are new.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

import case_db
import numpy as np
from case_page_bench import PASSWORD, USERNAME, _stats, build, login
from sqlalchemy import create_engine, select

from huikuan.storage import tables as t

TARGET_MEDIAN_MS = 100.0


def _cases(url: str) -> list[int]:
    """The cases with an open account in CNY."""
    engine = create_engine(url)
    a = t.accounts.c
    with engine.connect() as conn:
        found = conn.execute(
            select(a.case_id).where(a.status == "open", a.currency == "CNY", a.balance > 5_000).distinct()
        ).scalars()
        ids = sorted(int(x) for x in found)
    engine.dispose()
    return ids


def bench(url: str, posts: int, warmup: int, seed: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from huikuan import config
    from huikuan.storage.engine import get_engine
    from huikuan.web.app import create_app

    os.environ["HUIKUAN_MFA_ROLES"] = ""  # the bench's supervisor logs in with a password alone
    config.get_settings.cache_clear()
    cases = _cases(url)
    rng = np.random.default_rng(seed)
    chosen = [cases[int(i)] for i in rng.integers(0, len(cases), warmup + posts)]
    amounts = [f"{int(x) / 100:.2f}" for x in rng.integers(100, 5_001, warmup + posts)]
    run = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    app = create_app(url)
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(get_engine(url), "before_cursor_execute", count)
    post_ms: list[float] = []
    check_ms: list[float] = []
    queries: list[int] = []
    with TestClient(app, base_url="https://testserver") as client:
        login(client, USERNAME, PASSWORD)
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/settings").text)
        if token is None:
            raise SystemExit("no CSRF token on /settings")
        headers = {"X-CSRF-Token": token.group(1), "HX-Request": "true"}
        for n, (case_id, amount) in enumerate(zip(chosen, amounts, strict=True)):
            form = {"amount": amount, "method": "bank_transfer", "reference": f"BENCH-{run}-{n}"}
            started = time.perf_counter()
            check = client.post(f"/cases/{case_id}/payments/preview", data=form, headers=headers)
            middle = time.perf_counter()
            statements[0] = 0
            posted = client.post(f"/cases/{case_id}/payments", data=form, headers=headers)
            ended = time.perf_counter()
            for answer in (check, posted):
                if answer.status_code != 200 or "payment-" not in answer.text:
                    raise SystemExit(f"case {case_id}: {answer.status_code} {answer.text[:500]}")
            if n >= warmup:
                check_ms.append((middle - started) * 1000)
                post_ms.append((ended - middle) * 1000)
                queries.append(statements[0])
    return {
        "posts": len(post_ms),
        "post": _stats(post_ms),
        "check": _stats(check_ms),
        "sql_statements_per_post": [min(queries), max(queries)],
        "cases_with_open_accounts": len(cases),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = case_db.parser(__doc__, seed=11)
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()
    url, _counts = case_db.ready(args, build, case_db.BUILD_SEED)
    result = bench(url, args.posts, args.warmup, args.seed)
    result["machine"] = case_db.machine()
    result["target_median_ms"] = TARGET_MEDIAN_MS
    result["met"] = result["post"]["median_ms"] <= TARGET_MEDIAN_MS
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
