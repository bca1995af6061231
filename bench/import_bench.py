"""Times `huikuan import accounts` on a large placement file, on SQLite and on PostgreSQL.

    python bench/import_bench.py [--rows 1000000] [--db sqlite|postgresql|both] [--pg-url URL] [--profile]

The file is generated once (bench/make_placement.py) and cached under bench/out/. For each database:
a fresh one (an SQLite file under bench/out/; a scratch PostgreSQL database that is created, then
dropped), `huikuan init`, `huikuan creditor add BENCH`, then the import in a child process, timed with
its peak resident memory (wait4's rusage of that child), then the same file again (all unchanged).
Targets: >= 50,000 rows/s on SQLite, >= 100,000 rows/s on PostgreSQL, peak memory <= 2 GB.
With --profile the first import runs under cProfile and the breakdown (parse, each table's writes) is
printed and saved beside the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
HUIKUAN = ROOT / ".venv" / "bin" / "huikuan"
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/huikuan_bench"
TARGETS = {"sqlite": 50_000, "postgresql": 100_000}
MEMORY_LIMIT_MB = 2048


@dataclass
class Run:
    database: str
    run: str
    rows: int
    seconds: float
    rows_per_s: float
    peak_mb: float
    cpu_s: float  # the import process's own CPU time (user + system): less sensitive to other jobs
    created: int
    updated: int
    unchanged: int
    skipped: int


def placement_file(rows: int, seed: int, encoding: str) -> Path:
    """The cached benchmark file, generated on first use."""
    path = OUT / f"placement-{rows}-s{seed}-{encoding}.csv"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from make_placement import make_placement, write_placement

        started = time.perf_counter()
        frame = make_placement(rows, seed, yen="￥" if encoding == "gbk" else "¥")
        write_placement(frame, path.with_suffix(".tmp"), encoding)
        path.with_suffix(".tmp").rename(path)
        took = time.perf_counter() - started
        print(f"generated {path.name} ({path.stat().st_size / 1e6:,.0f} MB) in {took:.1f} s")
    return path


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(wall seconds, peak RSS in MB, CPU seconds, standard output) of one child; raises if it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdout=out, stderr=err, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        what = " ".join(args[:4])
        raise SystemExit(f"{what}... failed ({child.returncode}):\n{stderr[-3000:]}\n{stdout[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, cpu, stdout  # ru_maxrss is in KiB on Linux


def fresh_database(kind: str, rows: int, pg_url: str) -> str:
    if kind == "sqlite":
        path = OUT / f"bench-{rows}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    _pg_admin(pg_url, "DROP DATABASE IF EXISTS {db}")
    _pg_admin(pg_url, "CREATE DATABASE {db}")
    return pg_url


def drop_database(kind: str, url: str) -> None:
    if kind == "postgresql":
        _pg_admin(url, "DROP DATABASE IF EXISTS {db}")


def _pg_admin(url: str, statement: str) -> None:
    """Runs CREATE/DROP DATABASE from the server's `postgres` database (not inside a transaction)."""
    import psycopg
    import psycopg.sql

    parsed = make_url(url)
    if not parsed.database or parsed.database in ("postgres", "template0", "template1", "test"):
        raise SystemExit(f"refusing to create or drop {parsed.database!r}: name a scratch database")
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL(statement).format(db=psycopg.sql.Identifier(parsed.database)))


def bench_database(kind: str, path: Path, rows: int, pg_url: str, profile: bool, keep: bool) -> list[Run]:
    url = fresh_database(kind, rows, pg_url)
    env = {**os.environ, "HUIKUAN_DATABASE_URL": url, "LANG": "C.UTF-8"}
    runs: list[Run] = []
    try:
        run_child([str(HUIKUAN), "init"], env)
        run_child([str(HUIKUAN), "creditor", "add", "BENCH", "--name", "基准测试银行信用卡中心"], env)
        command = ["import", "accounts", str(path), "--creditor", "BENCH", "--json"]
        for label in ("first import", "same file again"):
            if profile and label == "first import":
                stats = OUT / f"profile-{kind}-{rows}.prof"
                args = [str(PYTHON), "-m", "cProfile", "-o", str(stats), str(HUIKUAN), *command]
            else:
                args = [str(HUIKUAN), *command]
            seconds, peak, cpu, stdout = run_child(args, env)
            report = json.loads(stdout.strip().splitlines()[-1])
            records = report["created"] + report["updated"] + report["unchanged"]  # without the 合计 line
            runs.append(
                Run(
                    kind,
                    label + (" (cProfile)" if profile and label == "first import" else ""),
                    records,
                    round(seconds, 2),
                    round(records / seconds),
                    round(peak),
                    round(cpu, 2),
                    report["created"],
                    report["updated"],
                    report["unchanged"],
                    report["skipped"],
                )
            )
            print(_line(runs[-1]), flush=True)
            if profile and label == "first import":
                print(breakdown(stats))
    finally:
        if not keep:
            drop_database(kind, url)
    return runs


def _line(r: Run) -> str:
    target = TARGETS[r.database]
    flags = []
    if r.run == "first import" and r.rows_per_s < target:
        flags.append(f"below the {target:,} rows/s target")
    if r.peak_mb > MEMORY_LIMIT_MB:
        flags.append("over 2 GB")
    return (
        f"{r.database:10} {r.run:28} {r.rows:>9,} rows {r.seconds:>8.2f} s {r.rows_per_s:>9,} rows/s "
        f"{r.peak_mb:>6,.0f} MB {r.cpu_s:>7.2f} s CPU  created {r.created:,} unchanged {r.unchanged:,}"
        + (f"  <-- {'; '.join(flags)}" if flags else "")
    )


# Where an import spends its time: the parse, then the writer's steps (each one's own table writes).
STEPS = (
    ("imports.py", "import_accounts", "whole import (inside the CLI)"),
    ("placement.py", "parse_placement", "parse (intake)"),
    ("read.py", "read_table", "  read the CSV (decode, csv)"),
    ("phones.py", "phones", "  phone numbers"),
    ("placement_writer.py", "write_placement", "write (storage)"),
    ("placement_writer.py", "_existing_accounts", "  read existing accounts"),
    ("placement_writer.py", "_assign_debtors", "  debtors: match + load"),
    ("placement_writer.py", "_assign_cases", "  cases: load"),
    ("placement_parties.py", "debtor_contacts", "  debtor contact points: find the new ones"),
    ("placement_parties.py", "write_parties", "  parties: load; their contact points: find"),
    ("bulk.py", "load_frame", "  all loads, with index builds (load_frame)"),
    ("bulk.py", "insert_frame", "    rows (insert_frame)"),
    ("bulk.py", "deferred_indexes", "    dropping and building indexes (SQLite)"),
    ("bulk.py", "update_frame", "  all updates (update_frame)"),
    ("bulk.py", "read_frame", "  all reads (read_frame)"),
    ("bulk.py", "allocate_ids", "  id allocation"),
    ("bulk.py", "_prepared", "  encoding frames for the driver"),
    ("imports.py", "_sha256", "file checksum"),
    ("session.py", "commit", "commit"),
)


def breakdown(stats_file: Path) -> str:
    """Cumulative seconds per step, and which caller's insert_frame took how long."""
    stats = pstats.Stats(str(stats_file))
    table: dict[tuple[str, int, str], Any] = vars(stats)["stats"]
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in table.values())
    lines = [f"profile of the first import ({stats_file.name}), cumulative seconds:"]
    for filename, func, label in STEPS:
        hits = [v for (f, _line, name), v in table.items() if f.endswith(filename) and name == func]
        if hits:
            seconds = sum(v[3] for v in hits)
            lines.append(f"  {label:40} {seconds:8.2f} s  {100 * seconds / total:5.1f} %")
    for (f, _line, name), (_cc, _nc, _tt, _ct, callers) in table.items():
        if f.endswith("bulk.py") and name == "load_frame":
            by_time = sorted(callers.items(), key=lambda kv: -kv[1][3])
            for (_cf, _cl, cname), (_ccc, cnc, _ctt, cct) in by_time:
                lines.append(f"    load_frame (rows + indexes) from {cname} ({cnc} calls) {cct:8.2f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("HUIKUAN_BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--encoding", choices=("gbk", "utf-8"), default="gbk")
    parser.add_argument("--profile", action="store_true", help="run the first import under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    if not HUIKUAN.exists():
        raise SystemExit(f"{HUIKUAN} not found: install the project into .venv first (pip install -e .)")
    OUT.mkdir(parents=True, exist_ok=True)
    path = placement_file(args.rows, args.seed, args.encoding)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    runs: list[Run] = []
    for kind in kinds:
        runs += bench_database(kind, path, args.rows, args.pg_url, args.profile, args.keep)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = OUT / f"results-{args.rows}-{stamp}.json"
    load = os.getloadavg()
    print(f"load average after the runs: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    result.write_text(
        json.dumps(
            {
                "file": path.name,
                "argv": sys.argv[1:],
                "load_average": load,
                "runs": [asdict(r) for r in runs],
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"results: {result}")


if __name__ == "__main__":
    main()
