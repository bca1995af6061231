"""Times the case page (debtor 360) on a 100,000-account PostgreSQL database, through the whole web app.

    .venv/bin/python bench/case_page_bench.py [--accounts 100000] [--pages 200] [--rebuild]

The database (`hk_bench_case` on the server of --pg-url) is built once and kept; a record
bench/out/case-page-N-postgresql.json says it is complete. It holds the daily-plan benchmark's
portfolio (bench/make_portfolio.py: one `cn` creditor, ~1.1 accounts per debtor, ~10 interactions per
account over 90 days, the promises those calls produced and the payments that kept them), and on top
of it, written the same way (Polars frames, COPY): related parties (a spouse for half the debtors, a
guarantor for 15%, an emergency contact for 30%, each with a mobile), ~3 messages and letters per
case, the last 5 days' plan rows of every case, an arrangement for 5% of cases, and a supervisor
`bench_sup` who may see every case.

The timing logs `bench_sup` in through the login page and asks for GET /cases/{id} with a FastAPI
TestClient: the full request, from routing and the session through the queries, the gate's verdicts
and template rendering, to the HTML. A warm-up of --warmup random cases comes first; then --pages
random cases (seeded) are timed one by one. Target: <= 150 ms per page.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import case_db  # bench/ is on the path when this script runs
import numpy as np
import polars as pl
from common import pg_admin, stats
from make_portfolio import make_portfolio  # bench/ is on the path when this script runs
from sqlalchemy import Connection, create_engine, func, select, text

from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame
from huikuan.storage.engine import make_engine
from huikuan.storage.migrate import upgrade

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATABASE = case_db.DATABASE
USERNAME = "bench_sup"
PASSWORD = "bench-password-1"
TARGET_MS = 150.0
ZONE = "Asia/Shanghai"


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
TEMPLATES = {
    "sms": ("reminder_sms", "promise_sms"),
    "email": ("statement_email",),
    "wechat": ("reminder_wechat",),
    "letter": ("first_letter", "final_letter"),
}


def _name(rng: np.random.Generator, n: int, prefix: str) -> list[str]:
    first = rng.integers(0, len(SURNAMES), n)
    return [f"{SURNAMES[s]}{prefix}{i}" for i, s in enumerate(first)]


def _parties(conn: Connection, rng: np.random.Generator, debtors: np.ndarray) -> tuple[int, int]:
    """Spouses, guarantors and emergency contacts, each with a mobile."""
    parts = []
    for role, share, liable in (
        ("spouse", 0.5, False),
        ("guarantor", 0.15, True),
        ("emergency_contact", 0.3, False),
    ):
        chosen = debtors[rng.random(debtors.size) < share]
        parts.append(
            pl.DataFrame(
                {
                    "debtor_id": chosen,
                    "role": role,
                    "name": _name(
                        rng, chosen.size, {"spouse": "配", "guarantor": "保", "emergency_contact": "紧"}[role]
                    ),
                    "liable": liable,
                    "relation": {"spouse": "配偶", "guarantor": "担保人", "emergency_contact": "朋友"}[role],
                }
            )
        )
    parties = pl.concat(parts).sort("debtor_id")
    parties = parties.with_columns(allocate_ids(conn, t.parties, parties.height))
    insert_frame(conn, t.parties, parties)
    points = parties.select(
        "debtor_id",
        pl.col("id").alias("party_id"),
        pl.lit("mobile").alias("kind"),
        pl.Series("value", [f"+86139{x:08d}" for x in rng.integers(0, 10**8, parties.height)]),
        pl.lit("unverified").alias("status"),
    )
    insert_frame(conn, t.contact_points, points)
    return parties.height, points.height


def _messages(conn: Connection, rng: np.random.Generator, cases: np.ndarray, today: date) -> int:
    k = rng.poisson(3, cases.size)
    total = int(k.sum())
    case = np.repeat(cases, k)
    channel = np.asarray(["sms", "email", "wechat", "letter"])[rng.choice(4, total, p=[0.6, 0.15, 0.1, 0.15])]
    template = [
        TEMPLATES[c][int(x) % len(TEMPLATES[c])]
        for c, x in zip(channel, rng.integers(0, 2, total), strict=True)
    ]
    status = np.asarray(["delivered", "sent", "failed", "queued"])[
        rng.choice(4, total, p=[0.7, 0.2, 0.07, 0.03])
    ]
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    created = (int(midnight.timestamp()) - rng.integers(3_600, 90 * 86_400, total)) * 1_000_000
    frame = pl.DataFrame(
        {
            "case_id": case,
            "channel": channel,
            "to": [f"+86138{x:08d}" for x in rng.integers(0, 10**8, total)],
            "subject": "",
            "body": "您好，您在某银行的账户已逾期，请尽快联系我们。",
            "template": template,
            "status": status,
            "created_at": created,
            "locale": "zh_CN",
            "attempts": 1,
        }
    ).with_columns(pl.col("created_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
    frame = frame.with_columns(
        pl.when(pl.col("status").is_in(["delivered", "sent"]))
        .then(pl.col("created_at") + pl.duration(minutes=2))
        .alias("sent_at")
    )
    insert_frame(conn, t.messages, frame)
    return total


def _plan_rows(conn: Connection, rng: np.random.Generator, cases: np.ndarray, today: date) -> int:
    frames = []
    actions = np.asarray(["call", "sms", "wechat", "letter", "visit", "none"])
    segments = np.asarray(["able_willing", "able_unwilling", "unable_willing", "unable_unwilling"])
    for back in range(1, 6):
        day = today - timedelta(days=back)
        n = cases.size
        action = actions[rng.choice(6, n, p=[0.55, 0.15, 0.05, 0.03, 0.02, 0.2])]
        segment = segments[rng.integers(0, 4, n)]
        hour = rng.integers(1, 12, n)  # 09:00-20:00 Beijing time, in UTC
        start = datetime.combine(day, datetime.min.time(), UTC)
        slot = (int(start.timestamp()) + hour * 3600) * 1_000_000
        ability, willingness = rng.random(n).round(2), rng.random(n).round(2)
        reason = [
            json.dumps(
                {
                    "strategy": "optimized",
                    "segment": s,
                    "path": "persuade",
                    "assessed": False,
                    "scores": {"ability": float(a), "willingness": float(w)},
                    "expected_value": 1200,
                }
            )
            for s, a, w in zip(segment, ability, willingness, strict=True)
        ]
        frames.append(
            pl.DataFrame(
                {
                    "plan_date": [day] * n,
                    "strategy": "optimized",
                    "case_id": cases,
                    "action": action,
                    "slot_start": slot,
                    "p_answer": rng.random(n).round(3),
                    "p_pay": (rng.random(n) * 0.3).round(3),
                    "expected_value": rng.integers(0, 50_000, n),
                    "cost": 300,
                    "segment": segment,
                    "reason": reason,
                    "created_at": [
                        datetime.combine(day - timedelta(days=1), datetime.min.time(), UTC)
                        + timedelta(hours=14)
                    ]
                    * n,
                }
            ).with_columns(
                pl.when(pl.col("action") != "none")
                .then(pl.col("slot_start").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
                .alias("slot_start")
            )
        )
    frame = pl.concat(frames)
    insert_frame(conn, t.plan_rows, frame)
    return frame.height


def _arrangements(conn: Connection, rng: np.random.Generator, cases: np.ndarray, today: date) -> int:
    chosen = cases[rng.random(cases.size) < 0.05]
    n = chosen.size
    kind = np.where(rng.random(n) < 0.5, "settlement", "instalment")
    status = np.asarray(["active", "completed", "broken", "awaiting_approval"])[rng.integers(0, 4, n)]
    created = datetime.combine(today, datetime.min.time(), UTC) - timedelta(days=20)
    frame = pl.DataFrame(
        {
            "case_id": chosen,
            "kind": kind,
            "total_amount": rng.integers(100, 5000, n) * 1000,
            "currency": "CNY",
            "discount_bp": np.where(kind == "settlement", 1500, 0),
            "status": status,
            "reason": "cannot_pay_in_full",
            "created_at": [created] * n,
        }
    )
    insert_frame(conn, t.arrangements, frame)
    return n


def build(url: str, accounts: int, seed: int) -> dict[str, Any]:
    """Creates the database afresh and fills it; returns the counts and the seconds it took."""
    pg_admin(url, "DROP DATABASE IF EXISTS {db}")
    pg_admin(url, "CREATE DATABASE {db}")
    engine = make_engine(url)
    upgrade(engine)
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    print(f"generating {accounts:,} accounts (bench/make_portfolio.py) ...", flush=True)
    counts = make_portfolio(engine, accounts, seed=seed, today=today)
    rng = np.random.default_rng(seed + 1)
    with engine.begin() as conn:
        cases = np.asarray(conn.execute(select(t.cases.c.id).order_by(t.cases.c.id)).scalars().all())
        debtors = np.asarray(conn.execute(select(t.debtors.c.id).order_by(t.debtors.c.id)).scalars().all())
        counts["parties"], counts["party_contact_points"] = _parties(conn, rng, debtors)
        counts["messages"] = _messages(conn, rng, cases, today)
        counts["plan_rows"] = _plan_rows(conn, rng, cases, today)
        counts["arrangements"] = _arrangements(conn, rng, cases, today)
    from huikuan.services.users import add_user
    from huikuan.storage.uow import UnitOfWork

    with UnitOfWork(engine) as uow:
        add_user(uow, USERNAME, PASSWORD, role="supervisor", display_name="基准主管", locale="zh_CN")
        uow.commit()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    counts["seconds_total"] = round(time.perf_counter() - started, 1)
    return counts


def login(client: Any, username: str, password: str) -> None:
    """Logs in through the login page, as a browser does (its form carries the CSRF token)."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"username": username, "password": password, "csrf_token": token.group(1) if token else ""}
    answer = client.post("/login", data=data, follow_redirects=False)
    if answer.status_code >= 400 or client.get("/settings", follow_redirects=False).status_code != 200:
        raise SystemExit(f"could not log in as {username}: {answer.status_code} {answer.text[:300]}")


def _stats(times: list[float]) -> dict[str, float]:
    return {**stats(times), "mean_ms": round(statistics.fmean(times), 1)}


def bench(url: str, pages: int, warmup: int, seed: int) -> dict[str, Any]:
    """Times GET /cases/{id} (the page) and GET /cases/{id}/panels/timeline (its lazily loaded timeline)
    for each case, and counts the SQL statements each sends."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from huikuan import config
    from huikuan.storage.engine import get_engine
    from huikuan.web.app import create_app

    os.environ["HUIKUAN_MFA_ROLES"] = ""  # the bench's supervisor logs in with a password alone
    config.get_settings.cache_clear()
    engine = create_engine(url)
    with engine.connect() as conn:
        top = int(conn.execute(select(func.max(t.cases.c.id))).scalar_one())
        interactions = int(conn.execute(text("SELECT count(*) FROM interactions")).scalar_one())
    engine.dispose()
    rng = np.random.default_rng(seed)
    ids = [int(x) for x in rng.integers(1, top + 1, warmup + pages)]
    app = create_app(url)
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(get_engine(url), "before_cursor_execute", count)
    page_ms: list[float] = []
    timeline_ms: list[float] = []
    sizes: list[int] = []
    queries: list[int] = []
    with TestClient(app, base_url="https://testserver") as client:
        login(client, USERNAME, PASSWORD)
        for n, case_id in enumerate(ids):
            statements[0] = 0
            started = time.perf_counter()
            page = client.get(f"/cases/{case_id}")
            middle = time.perf_counter()
            panel = client.get(f"/cases/{case_id}/panels/timeline")
            ended = time.perf_counter()
            for answer in (page, panel):
                if answer.status_code != 200:
                    raise SystemExit(f"case {case_id}: {answer.status_code} {answer.text[:500]}")
            if n >= warmup:
                page_ms.append((middle - started) * 1000)
                timeline_ms.append((ended - middle) * 1000)
                sizes.append(len(page.content))
                queries.append(statements[0])
    return {
        "pages": len(page_ms),
        "page": _stats(page_ms),
        "timeline_panel": _stats(timeline_ms),
        "page_and_timeline": _stats([a + b for a, b in zip(page_ms, timeline_ms, strict=True)]),
        "page_html_kb_median": round(statistics.median(sizes) / 1024, 1),
        "sql_statements_per_page_and_timeline": [min(queries), max(queries)],
        "interactions_in_db": interactions,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = case_db.parser(__doc__, seed=case_db.BUILD_SEED)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    url, _counts = case_db.ready(args, build, args.seed)
    if args.build_only:
        return
    result = bench(url, args.pages, args.warmup, args.seed)
    result["machine"] = case_db.machine()
    result["target_ms"] = TARGET_MS
    result["met"] = result["page"]["p95_ms"] <= TARGET_MS
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
