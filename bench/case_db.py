"""The case page benchmark's database (`hk_bench_case`), shared by the benchmarks that run on it
(bench/case_page_bench.py, bench/payment_post_bench.py): their common options, and the database built
once and kept, with its record bench/out/case-page-N-postgresql.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "hk_bench_case"
BUILD_SEED = 7  # the case page benchmark's default seed, with which the database is built


def parser(description: str | None, seed: int) -> argparse.ArgumentParser:
    """The options every benchmark on the database takes (--accounts, --pg-url, --warmup, --seed,
    --rebuild); the caller adds its own."""
    found = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    found.add_argument("--accounts", type=int, default=100_000)
    found.add_argument("--pg-url", default=DEFAULT_PG, help="Any database URL of the PostgreSQL server")
    found.add_argument("--warmup", type=int, default=20)
    found.add_argument("--seed", type=int, default=seed)
    found.add_argument("--rebuild", action="store_true", help="Build the database again even if recorded")
    return found


def ready(
    args: argparse.Namespace, build: Callable[[str, int, int], dict[str, Any]], seed: int
) -> tuple[str, dict[str, Any]]:
    """The database's URL and recorded counts, built first (`build(url, accounts, seed)`) when it is not
    recorded or --rebuild says so."""
    url = make_url(args.pg_url).set(database=DATABASE).render_as_string(hide_password=False)
    OUT.mkdir(exist_ok=True)
    record = OUT / f"case-page-{args.accounts}-postgresql.json"
    if args.rebuild or not record.exists():
        record.write_text(json.dumps(build(url, args.accounts, seed), indent=2))
    counts: dict[str, Any] = json.loads(record.read_text())
    print(f"database {DATABASE}: {json.dumps(counts)}", flush=True)
    return url, counts


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
