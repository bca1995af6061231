"""Times an import uploaded in the browser's way (POST /api/v1/imports, multipart), on SQLite and on
PostgreSQL: how long the upload's request takes (it must not wait for the import), how long until the
batch is done, and how the polled batch answers meanwhile.

    .venv/bin/python bench/web_import_bench.py [--rows 100000] [--db sqlite|postgresql|both] [--pg-url URL]

The GBK placement file comes from bench/make_placement.py (cached under bench/out/). For each database:
a fresh one (an SQLite file under bench/out/; a scratch PostgreSQL database created, then dropped), a
creditor BENCH and an administrator; the whole web app in a FastAPI TestClient; the upload, then
GET /api/v1/imports/{id} every 0.2 s until the batch has ended (each answer's time and what it said are
kept). Results: bench/out/web-import-N-DB.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from make_placement import make_placement, write_placement  # bench/ is on the path when this runs
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-password-1"


def placement_file(rows: int) -> Path:
    path = OUT / f"web-placement-{rows}.csv"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        write_placement(make_placement(rows, 1), path, "gbk")
    return path


def _database(kind: str, pg_url: str, work: Path) -> tuple[str, Any]:
    """A fresh database's URL and what drops it afterwards."""
    if kind == "sqlite":
        return f"sqlite:///{work / 'bench.db'}", lambda: None
    name = f"hk_bench_webimport_{os.getpid()}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_url).set(database=name).render_as_string(hide_password=False), drop


def run(kind: str, rows: int, pg_url: str) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from huikuan import config
    from huikuan.services.creditors import add_creditor
    from huikuan.services.import_runs import wait_for
    from huikuan.services.users import add_user
    from huikuan.storage import migrate
    from huikuan.storage.engine import make_engine
    from huikuan.storage.uow import UnitOfWork
    from huikuan.web.app import create_app

    data = placement_file(rows).read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url, drop = _database(kind, pg_url, work)
        os.environ.update(
            HUIKUAN_DATABASE_URL=url,
            HUIKUAN_DOCUMENTS_DIR=str(work / "documents"),
            HUIKUAN_MFA_ROLES="",
            HUIKUAN_IMPORT_MAX_BYTES=str(len(data) * 2),
        )
        config.get_settings.cache_clear()
        try:
            engine = make_engine(url)
            migrate.upgrade(engine)
            with UnitOfWork(engine) as uow:
                add_creditor(uow, "BENCH", name="基准银行", region="CN", currency="CNY", pack="cn")
                add_user(uow, "bench_admin", PASSWORD, role="admin")
                uow.commit()
            client = TestClient(create_app(url))
            login = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
            client.post("/login", data={"username": "bench_admin", "password": PASSWORD, "csrf_token": login})
            token = client.get("/settings").text.split('name="csrf_token" value="')[1].split('"')[0]
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/imports",
                data={"creditor": "BENCH", "kind": "accounts", "mode": "lenient"},
                files={"file": ("placement.csv", data, "text/csv")},
                headers={"X-CSRF-Token": token},
            )
            upload_s = time.perf_counter() - started
            batch = answer.json()
            polls: list[dict[str, Any]] = []
            while True:
                asked = time.perf_counter()
                seen = client.get(f"/api/v1/imports/{batch['id']}").json()
                polls.append(
                    {
                        "ms": 1000 * (time.perf_counter() - asked),
                        "status": seen["status"],
                        "stage": seen["stage"],
                        "rows_total": seen["rows_total"],
                    }
                )
                if seen["status"] in ("done", "refused", "failed"):
                    break
                time.sleep(0.2)
            total_s = time.perf_counter() - started
            wait_for(batch["id"])
            engine.dispose()
        finally:
            drop()
    return {
        "db": kind,
        "rows": rows,
        "bytes": len(data),
        "upload_request_s": round(upload_s, 3),
        "until_done_s": round(total_s, 2),
        "rows_per_s": round(rows / total_s),
        "status": seen["status"],
        "created": seen["counts"]["created"],
        "polls": len(polls),
        "poll_median_ms": round(statistics.median(p["ms"] for p in polls), 1),
        "poll_max_ms": round(max(p["ms"] for p in polls), 1),
        "stages_seen": sorted({p["stage"] for p in polls if p["stage"]}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        result = run(kind, args.rows, args.pg_url)
        OUT.mkdir(exist_ok=True)
        (OUT / f"web-import-{args.rows}-{kind}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result), file=sys.stdout)


if __name__ == "__main__":
    main()
