"""Times `huikuan plan` on generated portfolios, on SQLite and on PostgreSQL, with its peak memory.

    python bench/plan_bench.py --accounts 100000,300000,1000000 --db both [--again] [--generate-only]

For each size the portfolio (bench/make_portfolio.py: ~10 interactions per account, one `cn` creditor)
is generated once and kept: an SQLite file bench/out/plan-N.db, a PostgreSQL database huikuan_plan_N
on the server of --pg-url (a file bench/out/plan-N-postgresql.json records that it is complete). Each
run first deletes any stored plan (untimed, so that every run writes a new day), then runs

    python -m huikuan.cli.plan --date D --now T --json        (what `huikuan plan` runs)

in a child process, timed with its peak resident memory (wait4's rusage of that child). D is the day
after the portfolio's history ends and T 22:00 the evening before (China time), as a nightly cron job
would plan it. With --again the same day is planned a second time (replacing the first: DELETE and
insert). Targets: 1,000,000 accounts with 10,000,000 interactions in <= 60 s, peak memory <= 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_SECONDS = 60.0
MEMORY_LIMIT_MB = 4096


@dataclass
class Run:
    database: str
    accounts: int
    interactions: int
    run: str
    seconds: float
    peak_mb: float
    cases: int
    stages: dict[str, float]
    actions: dict[str, int]


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, standard output) of one child process; raises if it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code != 0:
        raise SystemExit(f"{' '.join(args[:4])}... failed ({code}):\n{stderr[-3000:]}\n{stdout[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout  # ru_maxrss is in KiB on Linux


def _pg_url(base: str, accounts: int) -> str:
    return make_url(base).set(database=f"huikuan_plan_{accounts}").render_as_string(hide_password=False)


def _pg_admin(url: str, statement: str) -> None:
    """CREATE/DROP DATABASE {db} from the server's `postgres` database (not inside a transaction)."""
    import psycopg
    from psycopg import sql

    parsed = make_url(url)
    if not parsed.database or not parsed.database.startswith("huikuan_plan_"):
        raise SystemExit(f"refusing to create or drop {parsed.database!r}: not a plan benchmark database")
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(db=sql.Identifier(parsed.database)))


def portfolio(kind: str, accounts: int, pg_base: str, seed: int) -> tuple[str, dict[str, Any]]:
    """The database URL of the cached portfolio and its generation record, generating it if needed."""
    record = OUT / f"plan-{accounts}-{kind}.json"
    if kind == "sqlite":
        path = OUT / f"plan-{accounts}.db"
        url = f"sqlite:///{path}"
    else:
        url = _pg_url(pg_base, accounts)
    if record.exists():
        return url, json.loads(record.read_text())
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(url, "DROP DATABASE IF EXISTS {db}")
        _pg_admin(url, "CREATE DATABASE {db}")
    print(f"generating {accounts:,} accounts on {kind} ...", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    args = [
        str(PYTHON),
        str(HERE / "make_portfolio.py"),
        "--accounts",
        str(accounts),
        "--url",
        url,
        "--seed",
        str(seed),
    ]
    seconds, peak, stdout = run_child(args, env)
    counts = json.loads(stdout.strip().splitlines()[-1])
    counts.update(generated_in=round(seconds, 1), generator_peak_mb=round(peak))
    record.write_text(json.dumps(counts, indent=2))
    print(f"  {counts}", flush=True)
    return url, counts


def clear_plans(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM plan_rows"))
    engine.dispose()


def bench(kind: str, accounts: int, pg_base: str, seed: int, again: bool, profile: bool) -> list[Run]:
    url, counts = portfolio(kind, accounts, pg_base, seed)
    today = date.fromisoformat(counts["today"])
    day = today
    now = datetime(today.year, today.month, today.day, 14, 0, tzinfo=UTC) - timedelta(days=1)
    env = {**os.environ, "HUIKUAN_DATABASE_URL": url, "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT / "src")}
    # The planner plans only channels that can send: an SMS provider is named (never called) so that the
    # plan's workload stays the one measured before (SMS planned).
    env.setdefault("HUIKUAN_SMS_URL", "http://127.0.0.1:9/sms")
    command = ["-m", "huikuan.cli.plan", "--date", day.isoformat(), "--now", now.isoformat(), "--json"]
    clear_plans(url)
    runs = []
    for label in ("new day", "same day again") if again else ("new day",):
        if profile and label == "new day":
            stats = OUT / f"plan-profile-{kind}-{accounts}.prof"
            args = [str(PYTHON), "-m", "cProfile", "-o", str(stats), *command]
        else:
            args = [str(PYTHON), *command]
        seconds, peak, stdout = run_child(args, env)
        summary = json.loads(stdout.strip().splitlines()[-1])
        run = Run(
            kind,
            accounts,
            int(counts["interactions"]),
            label,
            round(seconds, 2),
            round(peak),
            summary["written"],
            summary["seconds"],
            summary["actions"],
        )
        print(_line(run), flush=True)
        runs.append(run)
    return runs


def _line(r: Run) -> str:
    flags = []
    if r.seconds > TARGET_SECONDS:
        flags.append(f"over {TARGET_SECONDS:.0f} s")
    if r.peak_mb > MEMORY_LIMIT_MB:
        flags.append("over 4 GB")
    stages = " ".join(f"{k} {v:.1f}" for k, v in r.stages.items() if k != "total")
    return (
        f"{r.database:10} {r.accounts:>9,} accounts {r.interactions:>11,} interactions  {r.run:15} "
        f"{r.seconds:>7.2f} s {r.peak_mb:>6,.0f} MB  [{stages}]"
        + (f"  <-- {'; '.join(flags)}" if flags else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="100000,300000", help="Comma-separated portfolio sizes")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("HUIKUAN_BENCH_PG_URL", DEFAULT_PG),
        help="Server to create the huikuan_plan_N databases on",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--again", action="store_true", help="Plan the same day a second time (replace)")
    parser.add_argument("--generate-only", action="store_true", help="Only make sure the portfolios exist")
    parser.add_argument("--profile", action="store_true", help="Run the first plan under cProfile")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = [int(x) for x in args.accounts.split(",") if x]
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    runs: list[Run] = []
    for accounts in sizes:
        for kind in kinds:
            if args.generate_only:
                portfolio(kind, accounts, args.pg_url, args.seed)
            else:
                runs += bench(kind, accounts, args.pg_url, args.seed, args.again, args.profile)
    if not runs:
        return
    load = os.getloadavg()
    print(f"load average after the runs: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = OUT / f"plan-results-{stamp}.json"
    result.write_text(
        json.dumps(
            {"argv": sys.argv[1:], "load_average": load, "runs": [asdict(r) for r in runs]},
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"results: {result}")


if __name__ == "__main__":
    main()
