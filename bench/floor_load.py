"""A floor at work: the real server (`huikuan serve`) under a load of simulated people (bench/locustfile.py,
locust in its own process), on SQLite or PostgreSQL; the figures as a JSON record in bench/out/.

    .venv/bin/python bench/floor_load.py --db sqlite --users 50 --duration 300
    .venv/bin/python bench/floor_load.py --db postgresql --users 50 --duration 300
    .venv/bin/python bench/floor_load.py --db sqlite --users 10 --duration 40          # a quick check
    .venv/bin/python bench/floor_load.py --db sqlite --workers 2 --users 50 --duration 300
    .venv/bin/python bench/floor_load.py --db sqlite --pace none --users 8 --duration 60
    .venv/bin/python bench/floor_load.py --db sqlite --find-max            # 2..32 users, 60 s each
    .venv/bin/python bench/floor_load.py --db sqlite --floor               # GET /health, 2..32 users
    .venv/bin/python bench/floor_load.py --db sqlite --mixed --duration 60 # 20 readers + 2 writers
    .venv/bin/python bench/floor_load.py --db postgresql --find-max --floor --out bench/out/floor-pg-max.json

What it does, each step bounded in time, all traffic to 127.0.0.1:
1. a fresh demo database: SQLite in a temporary directory, or the PostgreSQL database hk_bench_floor
   dropped and created on --pg-url (default postgresql+psycopg://postgres@127.0.0.1:5432/); then, with
   HUIKUAN_DATABASE_URL set, `huikuan init`, `huikuan demo --accounts 2000 --seed 7` and `huikuan plan`;
2. the SMS provider (bench/sms_provider.py) on a free port, then the server, `huikuan serve --host
   127.0.0.1 --port P` (with `--workers N` when `huikuan serve --help` has that option), with
   HUIKUAN_SMS_URL, the agency's name, phone and letter return address, and HUIKUAN_LETTERS_DIR set;
   the due jobs run in `huikuan jobs worker` when that command exists (the server then has
   HUIKUAN_RUN_JOBS=false), else in the server (HUIKUAN_RUN_JOBS=true); waits for GET /health;
3. locust, headless, in its own process(es):
       .venv/bin/locust -f bench/locustfile.py --headless -u USERS -r RATE -t DURATIONs \\
           --host http://127.0.0.1:P --csv PREFIX --only-summary Collector Supervisor Viewer
   with a spawn rate that starts every user within ~30 s. Pace: a person's (5 to 15 s between steps) or,
   with --pace none, none at all;
4. its CSV read back (per route and aggregated: requests, failures, p50, p95, p99, max, req/s; the final
   copy the locustfile writes in locust's format once every user has stopped, as `--csv` files lag by a
   few seconds), the page (GET) and write (POST) figures over all routes (exact percentiles, from the
   locustfile's summary; logging in is counted apart), the business refusals (409/422, with their
   messages) and the gate's SMS refusals, and the server's own count of 5xx answers (a 503 "busy" among
   them) and exceptions read from its log; the JSON record written with the machine (CPU count, load
   average, uncommitted files under src/), the database, users, duration, server processes, and the CPU
   seconds the server and locust used;
5. the server, the jobs worker and the SMS provider stopped, also on Ctrl-C or an error (the work
   directory is then kept, as with --keep: database, logs, CSV).

--find-max: no pauses, the user count stepped up (--steps 2,4,8,16,32, --step-duration 60 s each) on
one server; the record gives each step and the highest request rate at which p95 stays <= 500 ms.
--floor: the same client, no pauses, against GET /health (one query and nothing else) at the same user
counts: the floor of this machine, to read the app's figures against. Both together run the floor first.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from children import (  # bench/ is on the path
    Failed,
    Processes,
    free_port,
    interrupt,
    stop_group,
    tail,
    wait_http,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
HUIKUAN = BIN / "huikuan"
LOCUST = BIN / "locust"
PYTHON = BIN / "python"
LOCUSTFILE = HERE / "locustfile.py"
PROVIDER = HERE / "sms_provider.py"
OUT = HERE / "out"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_DATABASE = "hk_bench_floor"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
FLOOR_CLASSES = ("Collector", "Supervisor", "Viewer")
HEALTH_CLASSES = ("HealthFloor",)
# The stall of the issue that asked for this benchmark: 20 sessions loading the queue and a case page
# with no pauses, beside 2 recording a contact every 0.5 s (locustfile FLOOR_MODE=mixed).
MIXED_CLASSES = ("MixedReader", "MixedWriter")
MIXED_USERS = 22
P95_TARGET_MS = 500.0
DEFAULT_STEPS = "2,4,8,16,32"
REQUEST_TIMEOUT_S = 30
SETUP_TIMEOUT_S = 1800
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')
ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Timeout|Warning)\b:?.*")
AGENCY = {
    "HUIKUAN_AGENCY_NAME": "Huikuan Demo Services",
    "HUIKUAN_AGENCY_PHONE": "400-000-0000",
    "HUIKUAN_LETTER_RETURN_ADDRESS": "PO Box 100|Beijing 100000",
}


# --- processes we start, and stop --------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    """Nobody listens on it (connections of an earlier run in TIME_WAIT do not count, as for uvicorn)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its descendants now alive (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    keep, total, changed = {root}, 0.0, True
    while changed:
        changed = False
        for pid, (parent, _) in stats.items():
            if parent in keep and pid not in keep:
                keep.add(pid)
                changed = True
    for pid in keep:
        total += stats.get(pid, (0, 0.0))[1]
    return round(total, 2)


# --- the database --------------------------------------------------------------------------------------


def postgres_database(server_url: str) -> str:
    """Drops and creates hk_bench_floor on the server; returns its SQLAlchemy URL."""
    try:
        import psycopg
        from psycopg import sql
        from sqlalchemy.engine import make_url
    except ImportError as exc:  # pragma: no cover
        raise Failed(f"run this with {PYTHON} (needs psycopg and sqlalchemy): {exc}") from exc
    url = make_url(server_url)
    if (url.host or "127.0.0.1") not in LOOPBACK:
        raise Failed(f"PostgreSQL must be on this machine (127.0.0.1), not {url.host}")
    last: Exception | None = None
    for admin_db in ("postgres", "test"):
        conninfo = url.set(drivername="postgresql", database=admin_db).render_as_string(hide_password=False)
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()",
                    (PG_DATABASE,),
                )
                name = sql.Identifier(PG_DATABASE)
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
                conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
            break
        except psycopg.OperationalError as exc:
            last = exc
    else:
        raise Failed(
            f"PostgreSQL at {url.host}:{url.port or 5432} did not answer ({last}); start it with\n"
            "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    return url.set(drivername="postgresql+psycopg", database=PG_DATABASE).render_as_string(
        hide_password=False
    )


# One login per simulated collector, as on a real floor: a case is worked only by the person who holds it,
# and "next case" gives back the case its own login held before, so people must not share a login.
FLOOR_LOGINS = 240
_ADD_LOGINS = """
import sys
from huikuan.demo import DEMO_PASSWORD
from huikuan.services.users import add_user
from huikuan.storage.engine import get_engine
from huikuan.storage.uow import UnitOfWork
from huikuan.config import get_settings
with UnitOfWork(get_engine(get_settings().database_url)) as uow:
    for n in range(1, int(sys.argv[1]) + 1):
        add_user(uow, f"floor{n:03d}", DEMO_PASSWORD, role="collector", display_name=f"坐席{n:03d}",
                 team="一组", languages=["zh", "en"])
    uow.commit()
"""


def add_logins(env: dict[str, str], workdir: Path, log: Path) -> float:
    """Adds the collectors' own logins (floor001 ...) in one process; returns its seconds."""
    started = time.monotonic()
    with open(log, "a", encoding="utf-8") as out:
        subprocess.run(
            [str(PYTHON), "-c", _ADD_LOGINS, str(FLOOR_LOGINS)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            check=True,
            timeout=600,
        )
    return time.monotonic() - started


def huikuan(args: list[str], env: dict[str, str], workdir: Path, log: Path) -> float:
    """Runs one `huikuan` command to completion (bounded); returns its seconds."""
    started = time.monotonic()
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ huikuan {' '.join(args)}\n")
        out.flush()
        try:
            done = subprocess.run(
                [str(HUIKUAN), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=workdir,
                timeout=SETUP_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise Failed(f"huikuan {' '.join(args)} took more than {SETUP_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise Failed(f"huikuan {' '.join(args)} failed ({done.returncode}):\n{tail(log)}")
    return round(time.monotonic() - started, 2)


def help_text(args: list[str], env: dict[str, str], workdir: Path) -> tuple[int, str]:
    done = subprocess.run(
        [str(HUIKUAN), *args, "--help"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200", "NO_COLOR": "1"},
        cwd=workdir,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def capabilities(env: dict[str, str], workdir: Path) -> dict[str, bool]:
    """What this version of the product has: `serve --workers`, and the `jobs worker` command."""
    _, serve = help_text(["serve"], env, workdir)
    _, jobs = help_text(["jobs"], env, workdir)
    listed = re.search(r"^[\s│|]*worker\s", jobs, re.M) is not None
    code, _ = help_text(["jobs", "worker"], env, workdir)
    return {"serve_workers": "--workers" in serve, "jobs_worker": listed and code == 0}


# --- locust and its figures ----------------------------------------------------------------------------


def _num(text: str | None) -> float | None:
    try:
        return round(float(text or ""), 1)
    except ValueError:
        return None


def read_stats(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Locust's stats CSV: (the routes, the aggregated row)."""
    routes: list[dict[str, Any]] = []
    aggregated = None
    with open(path, newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            entry = {
                "method": row["Type"],
                "route": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": _num(row["Requests/s"]),
                "avg_ms": _num(row["Average Response Time"]),
                "p50_ms": _num(row["50%"]),
                "p95_ms": _num(row["95%"]),
                "p99_ms": _num(row["99%"]),
                "max_ms": _num(row["Max Response Time"]),
            }
            if row["Name"] == "Aggregated":
                entry.pop("method")
                entry.pop("route")
                aggregated = entry
            else:
                routes.append(entry)
    return routes, aggregated


def read_failures(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as source:
        rows = [
            {"method": r["Method"], "route": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
            for r in csv.DictReader(source)
        ]
    return sorted(rows, key=lambda r: -r["count"])[:20]


def approximate_group(routes: list[dict[str, Any]], keep: Any) -> dict[str, Any]:
    """Without the locustfile's summary: sums, and each percentile as the worst route's (an upper bound)."""
    chosen = [r for r in routes if keep(r)]

    def worst(key: str) -> float | None:
        values = [r[key] for r in chosen if r[key] is not None]
        return max(values) if values else None

    return {
        "requests": sum(r["requests"] for r in chosen),
        "failures": sum(r["failures"] for r in chosen),
        "rps": round(sum(r["rps"] or 0 for r in chosen), 2),
        "p50_ms": worst("p50_ms"),
        "p95_ms": worst("p95_ms"),
        "p99_ms": worst("p99_ms"),
        "max_ms": worst("max_ms"),
        "approximate": True,
    }


def _json_line(line: str) -> dict[str, Any] | None:
    """A line of the server's JSON log as a dict, or None for any other line (uvicorn's own, locust's)."""
    if not line.startswith("{"):
        return None
    try:
        found = json.loads(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def server_log_figures(log: Path, start: int, end: int | None = None) -> dict[str, Any]:
    """The server's own account of a run: its 5xx answers by route, exceptions, and the commonest errors,
    read from its log between two byte offsets."""
    with open(log, "rb") as source:
        source.seek(start)
        text = source.read(None if end is None else max(0, end - start)).decode("utf-8", errors="replace")
    by_status: Counter[str] = Counter()
    server_errors: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    tracebacks = text.count("Traceback (most recent call last)")
    for line in text.splitlines():
        logged = _json_line(line)
        if logged is not None:  # the server's JSON log (huikuan/logs.py): access lines and errors
            if logged.get("event") == "request" and "status" in logged:
                status = str(logged["status"])
                by_status[status] += 1
                if status.startswith("5"):
                    server_errors[f"{logged.get('method')} {logged.get('route')} {status}"] += 1
            if "traceback" in logged:
                tracebacks += 1
            if logged.get("level") in ("error", "critical") or "exception" in logged:
                errors[f"{logged.get('exception', '')} {logged.get('event', '')}".strip()[:200]] += 1
            continue
        found = ACCESS_LINE.search(line)
        if found:
            status = found.group("status")
            by_status[status] += 1
            if status.startswith("5"):
                route = re.sub(r"/\d+", "/[id]", found.group("path"))
                server_errors[f"{found.group('method')} {route} {status}"] += 1
            continue
        stripped = line.strip()
        if ERROR_LINE.match(stripped) and not stripped.startswith(("INFO", "WARNING:")):
            errors[stripped[:200]] += 1
    return {
        "responses": sum(by_status.values()),
        "by_status": dict(sorted(by_status.items())),
        "5xx": sum(n for status, n in by_status.items() if status.startswith("5")),
        "5xx_by_route": dict(server_errors.most_common()),
        "tracebacks": tracebacks,
        "top_errors": [{"line": line, "count": n} for line, n in errors.most_common(10)],
    }


def run_locust(
    *,
    tag: str,
    host: str,
    users: int,
    duration: int,
    spawn_rate: float,
    classes: tuple[str, ...],
    pace: str,
    workdir: Path,
    server_log: Path,
    server_pid: int,
    processes: int,
) -> dict[str, Any]:
    """One headless locust run in its own process; its figures, with the server's log over the same time."""
    prefix = workdir / tag
    summary_path = workdir / f"{tag}_summary.json"
    env = {
        **os.environ,
        "FLOOR_PACE": pace,
        "FLOOR_SUMMARY": str(summary_path),
        "FLOOR_TIMEOUT": str(REQUEST_TIMEOUT_S),
        "FLOOR_COLLECTORS": str(FLOOR_LOGINS),
    }
    if classes == HEALTH_CLASSES:
        env["FLOOR_MODE"] = "health"
    if classes == MIXED_CLASSES:
        env["FLOOR_MODE"] = "mixed"
    args = [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--only-summary", "--exit-code-on-error", "0"]
    args += ["-u", str(users), "-r", f"{spawn_rate:g}", "-t", f"{duration}s", "--host", host]
    args += ["--csv", str(prefix), *(["--processes", str(processes)] if processes > 1 else []), *classes]
    log_start = server_log.stat().st_size
    load_before = os.getloadavg()
    cpu_before = tree_cpu_seconds(server_pid)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with open(workdir / f"{tag}.log", "w", encoding="utf-8") as log:
        log.write("$ " + " ".join(args) + "\n")
        log.flush()
        proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
        )
        try:
            code = proc.wait(duration + 120)
        except subprocess.TimeoutExpired as exc:
            raise Failed(f"locust ({tag}) did not end within {duration + 120} s") from exc
        finally:
            stop_group(proc)
    wall = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_after = tree_cpu_seconds(server_pid)
    if code != 0:
        raise Failed(f"locust ({tag}) failed with code {code}:\n{tail(workdir / f'{tag}.log')}")
    final = workdir / f"{tag}_summary_stats.csv"
    routes, aggregated = read_stats(final if final.is_file() else Path(f"{prefix}_stats.csv"))
    failures_csv = workdir / f"{tag}_summary_failures.csv"
    summary: dict[str, Any] = {}
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    else:
        login = {"/login"}
        summary = {
            "page": approximate_group(routes, lambda r: r["method"] == "GET" and r["route"] not in login),
            "write": approximate_group(routes, lambda r: r["method"] == "POST" and r["route"] not in login),
            "login": approximate_group(routes, lambda r: r["route"] in login),
            "work": approximate_group(routes, lambda r: r["route"] not in login),
            "counters": {},
        }
    locust_cpu = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    return {
        "users": users,
        "duration_s": duration,
        "spawn_rate": spawn_rate,
        "user_classes": list(classes),
        "pace": pace,
        "wall_s": round(wall, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "server_cpu_s": round(cpu_after - cpu_before, 2),
        "locust_cpu_s": round(locust_cpu, 2),
        "aggregated": aggregated,
        "page": summary.get("page"),
        "write": summary.get("write"),
        "login": summary.get("login"),
        "work": summary.get("work"),
        "counters": summary.get("counters", {}),
        "failures": read_failures(failures_csv if failures_csv.is_file() else Path(f"{prefix}_failures.csv")),
        "server_log": server_log_figures(server_log, log_start),
        "routes": sorted(routes, key=lambda r: (r["route"], r["method"])),
    }


def spawn_rate(users: int, ramp_s: float) -> float:
    return round(max(1.0, users / max(1.0, ramp_s)), 2)


def best_under_target(steps: list[dict[str, Any]], group: str) -> dict[str, Any]:
    """The highest request rate whose p95 stays within the target; and the peak rate whatever its p95."""
    ok = [
        s
        for s in steps
        if s[group] and s[group]["p95_ms"] is not None and s[group]["p95_ms"] <= P95_TARGET_MS
    ]
    best = max(ok, key=lambda s: s[group]["rps"], default=None)
    peak = max(steps, key=lambda s: (s[group] or {}).get("rps") or 0, default=None)

    def brief(step: dict[str, Any] | None) -> dict[str, Any] | None:
        if step is None:
            return None
        figures = step[group]
        return {"users": step["users"], "rps": figures["rps"], "p95_ms": figures["p95_ms"]}

    return {"p95_target_ms": P95_TARGET_MS, "best_within_target": brief(best), "peak": brief(peak)}


# --- printing --------------------------------------------------------------------------------------------


def _fig(figures: dict[str, Any] | None) -> str:
    if not figures or not figures.get("requests"):
        return "no requests"
    return (
        f"{figures['requests']} req, {figures['failures']} failed, {figures['rps']} req/s, "
        f"p50 {figures['p50_ms']} / p95 {figures['p95_ms']} / p99 {figures['p99_ms']} / "
        f"max {figures['max_ms']} ms"
    )


def print_run(run: dict[str, Any]) -> None:
    print(f"  pages  (GET):  {_fig(run['page'])}")
    print(f"  writes (POST): {_fig(run['write'])}")
    print(f"  login:         {_fig(run['login'])}")
    log = run["server_log"]
    print(f"  server log: {log['responses']} answers, {log['5xx']} 5xx, {log['tracebacks']} tracebacks")
    for key, n in list(log["5xx_by_route"].items())[:6]:
        print(f"    {n:6d}  {key}")
    for error in log["top_errors"][:3]:
        print(f"    {error['count']:6d}  {error['line'][:150]}")
    counters = run["counters"]
    for kind in (
        "business_refusals",
        "refusal_reasons",
        "gate_refused_sms",
        "server_errors",
        "connection_errors",
        "other_failures",
    ):
        values = counters.get(kind) or {}
        if values:
            print(f"  {kind.replace('_', ' ')}: " + ", ".join(f"{k}: {n}" for k, n in values.items()))
    outcomes = counters.get("outcomes") or {}
    if outcomes:
        print("  outcomes: " + ", ".join(f"{k}: {n}" for k, n in outcomes.items()))
    slow = sorted((r for r in run["routes"] if r["p95_ms"] is not None), key=lambda r: -r["p95_ms"])[:5]
    if slow:
        print("  slowest p95: " + ", ".join(f"{r['method']} {r['route']} {r['p95_ms']:.0f} ms" for r in slow))
    print(f"  CPU: server {run['server_cpu_s']} s, locust {run['locust_cpu_s']} s over {run['wall_s']} s")


def print_steps(title: str, steps: list[dict[str, Any]], best: dict[str, Any]) -> None:
    print(f"\n{title}")
    print("  users   req/s    p50    p95    p99     max  failed   5xx  server CPU  locust CPU")
    for s in steps:
        w = s["work"] or {}
        p50, p95, p99, most = (w.get(k) or 0 for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))
        print(
            f"  {s['users']:5d} {w.get('rps') or 0:7.1f} {p50:6.0f} {p95:6.0f} {p99:6.0f} {most:7.0f}"
            f" {w.get('failures') or 0:7d} {s['server_log']['5xx']:5d}"
            f" {s['server_cpu_s'] / max(1.0, s['wall_s']):11.0%}"
            f" {s['locust_cpu_s'] / max(1.0, s['wall_s']):11.0%}"
        )
    good = best["best_within_target"]
    if good:
        print(
            f"  highest rate with p95 <= {P95_TARGET_MS:.0f} ms: {good['rps']} req/s at {good['users']} users"
        )
    else:
        print(f"  p95 above {P95_TARGET_MS:.0f} ms at every step")
    peak = best["peak"]
    if peak:
        print(f"  peak: {peak['rps']} req/s at {peak['users']} users (p95 {peak['p95_ms']} ms)")


# --- the whole run ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip()

    memory = ""
    with contextlib.suppress(OSError):
        memory = next(
            (line.split(":", 1)[1].strip() for line in open("/proc/meminfo") if line.startswith("MemTotal")),
            "",
        )
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "git_commit": git("rev-parse", "HEAD"),
        "uncommitted_src_files": sorted(p for p in changed if p.startswith(("src/", "tests/"))),
    }


def step_up(
    record: dict[str, Any],
    key: str,
    tag: str,
    classes: tuple[str, ...],
    title: str,
    steps: list[int],
    duration: int,
    common: dict[str, Any],
) -> None:
    """One run per user count, no pauses, kept in record[key] as they run (should a later one fail); then
    the best rate with p95 within the target."""
    done: list[dict[str, Any]] = []
    record[key] = {"steps": done}
    for users in steps:
        print(f"  {key}: {' '.join(classes)}, {users} users, no pauses, {duration} s", flush=True)
        done.append(
            run_locust(
                tag=f"{tag}-{users}u",
                users=users,
                duration=duration,
                spawn_rate=spawn_rate(users, 5),
                classes=classes,
                pace="none",
                **common,
            )
        )
    record[key] = {"steps": done, **best_under_target(done, "work")}
    print_steps(title, done, record[key])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--users", type=int, default=50, help="simulated people (default 50)")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load (default 300)")
    parser.add_argument("--workers", type=int, default=1, help="server processes, if `serve` has --workers")
    parser.add_argument("--pace", choices=("person", "none"), default="person")
    parser.add_argument("--find-max", action="store_true", help="no pauses, stepping the user count up")
    parser.add_argument("--floor", action="store_true", help="GET /health at the same steps: this machine")
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="20 readers with no pauses and 2 writers every 0.5 s (--users ignored)",
    )
    parser.add_argument("--steps", default=DEFAULT_STEPS, help=f"user counts of the steps ({DEFAULT_STEPS})")
    parser.add_argument("--step-duration", type=int, default=60, help="seconds of each step (default 60)")
    parser.add_argument("--ramp", type=float, default=30.0, help="seconds to start all users (default 30)")
    parser.add_argument("--port", type=int, default=8300, help="the server's port on 127.0.0.1 (8300)")
    parser.add_argument("--accounts", type=int, default=2000, help="demo portfolio size (2000)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="the PostgreSQL server (on 127.0.0.1)")
    parser.add_argument("--locust-processes", type=int, default=1, help="locust processes (default 1)")
    parser.add_argument("--out", type=Path, help="the JSON record (default bench/out/floor-....json)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (database, logs, CSV)")
    args = parser.parse_args(argv)

    for tool in (HUIKUAN, LOCUST):
        if not tool.exists():
            parser.error(f"{tool} is missing: install the project's virtualenv first")
    steps = [int(n) for n in args.steps.split(",") if n.strip()]
    if args.users < 1 or args.duration < 5 or not steps or min(steps) < 1 or args.step_duration < 5:
        parser.error("users and steps must be >= 1, durations >= 5 s")
    if not port_is_free(args.port):
        parser.error(f"port {args.port} on 127.0.0.1 is taken: choose another with --port")
    stepping = args.find_max or args.floor
    pace = "none" if (args.find_max or args.pace == "none") else "person"
    planned = (len(steps) * (args.step_duration + 120) * (args.find_max + args.floor)) if stepping else 0
    planned += 0 if stepping else args.duration + 120
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    mode = "+".join(m for m, on in (("floor", args.floor), ("find-max", args.find_max)) if on)
    if args.mixed and not stepping:
        args.users, pace = MIXED_USERS, "none"
    label = mode or ("mixed-" if args.mixed else "") + f"{args.users}u-{args.duration}s-{pace}"
    out = args.out or OUT / f"floor-{args.db}-{label}-{stamp}.json"

    signal.signal(signal.SIGTERM, interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="hk-floor-"))
    procs = Processes(workdir, planned + 900)
    record: dict[str, Any] = {
        "benchmark": "floor_load",
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "machine": machine(),
        "database": args.db,
        "accounts": args.accounts,
        "mode": mode or "floor at work",
        "users": None if stepping else args.users,
        "duration_s": None if stepping else args.duration,
        "pace": pace,
        "steps": steps if stepping else None,
        "step_duration_s": args.step_duration if stepping else None,
        "workers": None,
        "server_5xx": None,
    }
    exit_code = 0
    try:
        if args.db == "sqlite":
            url = f"sqlite:///{workdir / 'floor.db'}"
        else:
            url = postgres_database(args.pg_url)
        sms_port = free_port()
        env = {
            **os.environ,
            **AGENCY,
            "HUIKUAN_DATABASE_URL": url,
            "HUIKUAN_SECRET_KEY": secrets.token_urlsafe(32),
            "HUIKUAN_LETTERS_DIR": str(workdir / "letters"),
            "HUIKUAN_SMS_URL": f"http://127.0.0.1:{sms_port}/sms",
            "HUIKUAN_MFA_ROLES": "",  # locust's supervisors log in with the demo's password alone
        }
        env.pop("HUIKUAN_SMS_TOKEN", None)
        print(f"floor_load: {args.db} database, work directory {workdir}", flush=True)
        setup_log = workdir / "setup.log"
        timings = {
            "init_s": huikuan(["init"], env, workdir, setup_log),
            "demo_s": huikuan(
                ["demo", "--accounts", str(args.accounts), "--seed", "7"], env, workdir, setup_log
            ),
            "plan_s": huikuan(["plan"], env, workdir, setup_log),
            "logins_s": add_logins(env, workdir, setup_log),
        }
        record["setup"] = timings
        caps = capabilities(env, workdir)
        workers = args.workers if caps["serve_workers"] else 1
        record["workers"] = workers
        if args.workers > 1 and not caps["serve_workers"]:
            print(f"  `huikuan serve` has no --workers option: one server process, not {args.workers}")
        server_env = {**env, "HUIKUAN_RUN_JOBS": "false" if caps["jobs_worker"] else "true"}
        record["server"] = {
            "capabilities": caps,
            "workers_requested": args.workers,
            "workers": workers,
            "jobs": "huikuan jobs worker" if caps["jobs_worker"] else "in the server (HUIKUAN_RUN_JOBS=true)",
            "port": args.port,
        }

        provider = procs.start(
            "sms_provider",
            [str(PYTHON), str(PROVIDER), "--port", str(sms_port), "--max-seconds", str(planned + 900)],
            env,
        )
        wait_http(f"http://127.0.0.1:{sms_port}/", provider, procs.log_path("sms_provider"), 30)
        serve = [str(HUIKUAN), "serve", "--host", "127.0.0.1", "--port", str(args.port)]
        if caps["serve_workers"]:
            serve += ["--workers", str(workers)]
        server = procs.start("server", serve, server_env)
        host = f"http://127.0.0.1:{args.port}"
        wait_http(f"{host}/health", server, procs.log_path("server"), 120)
        if caps["jobs_worker"]:
            worker = procs.start("worker", [str(HUIKUAN), "jobs", "worker"], server_env)
            time.sleep(2)
            if worker.poll() is not None:
                ended = f"the jobs worker ended at once ({worker.returncode})"
                print(f"  {ended}:\n{tail(procs.log_path('worker'))}")
        print(
            f"  server {host}: {workers} process(es), jobs {record['server']['jobs']}, "
            f"SMS provider on port {sms_port}",
            flush=True,
        )

        common = {
            "host": host,
            "workdir": workdir,
            "server_log": procs.log_path("server"),
            "server_pid": server.pid,
            "processes": args.locust_processes,
        }
        stepped = (
            (
                "floor",
                args.floor,
                "health",
                HEALTH_CLASSES,
                "floor of this machine (GET /health, no pauses):",
            ),
            (
                "find_max",
                args.find_max,
                "max",
                FLOOR_CLASSES,
                "the floor's work with no pauses (all routes but the login):",
            ),
        )
        for key, wanted, tag, classes, title in stepped:
            if wanted:
                step_up(record, key, tag, classes, title, steps, args.step_duration, common)
        if not stepping:
            rate = spawn_rate(args.users, min(args.ramp, args.duration / 2))
            print(
                f"  locust: {args.users} users ({pace} pace) for {args.duration} s, spawn rate {rate}/s",
                flush=True,
            )
            run = run_locust(
                tag="floor",
                users=args.users,
                duration=args.duration,
                spawn_rate=rate,
                classes=MIXED_CLASSES if args.mixed else FLOOR_CLASSES,
                pace=pace,
                **common,
            )
            record["run"] = run
            what = f"{args.users} users, {pace} pace, {args.duration} s, {workers} server process(es)"
            print(f"\nfloor on {args.db}: {what}")
            print_run(run)
        with contextlib.suppress(OSError, ValueError):
            with urllib.request.urlopen(f"http://127.0.0.1:{sms_port}/", timeout=5) as response:
                record["sms_provider"] = json.loads(response.read())
    except Failed as exc:
        print(f"floor_load failed: {exc}", file=sys.stderr)
        record["error"] = str(exc)
        exit_code = 1
    except KeyboardInterrupt:
        print("floor_load interrupted: stopping the server, the worker and the provider", file=sys.stderr)
        record["error"] = "interrupted"
        exit_code = 130
    finally:
        codes = procs.stop_all()
        record["stopped"] = codes
        if procs.log_path("server").is_file():  # the server's whole log, once it has stopped
            record.setdefault("server", {})["log"] = server_log_figures(procs.log_path("server"), 0)
            record["server_5xx"] = record["server"]["log"]["5xx"]
        record["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        record["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"record: {out}")
        if args.keep or exit_code:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
