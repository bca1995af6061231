"""A floor's click-to-call and call-record traffic (issue 19, docs/benchmarks-telephony.md): N collectors
click to call for D seconds against the real server (`huikuan serve`), whose telephone system is the local
stand-in Aliyun call centre (bench/call_centre.py); the stand-in pushes each ended call's record to the
server's callback route and drops its pushes for a minute in the middle; then the reconciliation job runs
and the database is checked against the stand-in's own call list: every call it placed has its record
taken, none lost, none taken twice.

    .venv/bin/python bench/calls_bench.py                                   # 200 collectors, 300 s
    .venv/bin/python bench/calls_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_calls
    .venv/bin/python bench/calls_bench.py --collectors 10 --seconds 20 --drop-after 5 --drop-for 10 \\
        --accounts 300 --end-after 4 --wrap-up 2 --cases-each 1             # a short run (~1 minute)

What it does, each step bounded in time, all traffic on 127.0.0.1:
1. a fresh database: SQLite in a temporary directory, or the PostgreSQL database of --database-url
   dropped and created (its server must be this machine); `huikuan init`, `huikuan demo --accounts A
   --seed 7`; then N collectors bench001.. (each with a phone extension, `benchNNN@<instance>`, and an
   API key acting as them) and the demo's open cases of --region's creditors (default cn) that have a
   usable phone of the debtor's own, --cases-each (default 3) assigned to each: a short list, so that in
   5 minutes a collector calls each debtor 3 or 4 times and the cn pack's daily cap (3 connected calls to
   a debtor a day, counted from the calls' records) refuses some of the clicks;
2. the server, `huikuan serve --host 127.0.0.1 --port P` (HUIKUAN_RUN_JOBS=false: no job runs during the
   clicks, so every record the callbacks miss is left for the reconciliation), with HUIKUAN_TELEPHONY=aliyun
   pointing at the stand-in's port; then the stand-in, `bench/call_centre.py --end-after E
   --drop-callbacks-after DA --drop-callbacks-for DF --callback-url .../api/v1/callbacks/calls/aliyun/S`,
   started the instant before the clicks, so that its drop window falls DA seconds into them;
3. the clicks: one thread per collector, each going round its cases: POST /api/v1/cases/{id}/calls
   (Authorization: Bearer its key) for the debtor's best phone (the one the queue's Call button rings);
   201 "placed": the collector is on the call for E seconds, then wraps up for W seconds; 409 with rules:
   the gate refused the call at that instant (counted by rule), the collector moves to its next case after
   W seconds and clicks the refused one again only from the next allowed time the refusal gave (never, in
   this run, when it gave none); anything else counted as an error;
4. when D seconds are over: the calls in flight end, the stand-in's pushes finish; the records taken so far
   are counted by source; `huikuan jobs run --only calls-reconcile --json` runs;
5. the check, from the database against the stand-in's own list (ListCallDetailRecords through the
   floor's adapter, signed as the server signs it, and its GET /_stats): each call it placed is a row of
   `calls` with its ContactId as provider_ref in state "ended" (lost: those that are not, or are missing),
   taken once (its "call.recorded" audit event exactly once); the JSON record printed and written to
   bench/out/calls_bench.json (or --out), with the run's exact settings and the machine's load.

The server, the stand-in and the jobs run are stopped or bounded, also on Ctrl-C or an error (the work
directory is then kept, as with --keep: database and logs).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from children import Failed, Processes, free_port, interrupt, tail, wait_http  # bench/ is on the path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = ROOT / ".venv" / "bin"
HUIKUAN = BIN / "huikuan"
PYTHON = BIN / "python"
CALL_CENTRE = HERE / "call_centre.py"
OUT = HERE / "out"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
KEY_ID = "LTAI5tBenchCallCentre"
KEY_SECRET = "bench-call-centre-secret"
INSTANCE = "ccc-huikuan-bench"
CALLER_ID = "+861065550100"
SETUP_TIMEOUT_S = 1800
REQUEST_TIMEOUT_S = 30
SETTLE_TIMEOUT_S = 120  # after the clicks: the calls in flight end and their pushes finish
AGENCY = {
    "HUIKUAN_AGENCY_NAME": "Huikuan Demo Services",
    "HUIKUAN_AGENCY_PHONE": "400-000-0000",
    "HUIKUAN_LETTER_RETURN_ADDRESS": "PO Box 100|Beijing 100000",
}


# --- processes we start, and stop ----------------------------------------------------------------------


def get_json(url: str, timeout: float = 5) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a loopback address)
        return json.loads(response.read())


def huikuan(args: list[str], env: dict[str, str], workdir: Path, log: Path) -> tuple[float, str]:
    """Runs one `huikuan` command to completion (bounded); its seconds and its standard output."""
    started = time.monotonic()
    with open(log, "a", encoding="utf-8") as err:
        err.write(f"\n$ huikuan {' '.join(args)}\n")
        err.flush()
        try:
            done = subprocess.run(
                [str(HUIKUAN), *args],
                stdout=subprocess.PIPE,
                stderr=err,
                env=env,
                cwd=workdir,
                timeout=SETUP_TIMEOUT_S,
                check=False,
                text=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise Failed(f"huikuan {' '.join(args)} took more than {SETUP_TIMEOUT_S} s") from exc
        err.write(done.stdout)
    if done.returncode != 0:
        raise Failed(f"huikuan {' '.join(args)} failed ({done.returncode}):\n{tail(log)}")
    return round(time.monotonic() - started, 2), done.stdout


# --- the database --------------------------------------------------------------------------------------


def fresh_database(database_url: str | None, workdir: Path) -> str:
    """A new empty database: a SQLite file in the work directory, or the PostgreSQL database of the URL
    dropped and created (on this machine only)."""
    if not database_url:
        return f"sqlite:///{workdir / 'calls-bench.db'}"
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        if path.exists():
            path.unlink()
        return database_url
    if (url.host or "127.0.0.1") not in LOOPBACK:
        raise Failed(f"PostgreSQL must be on this machine (127.0.0.1), not {url.host}")
    if not url.database or url.database in ("postgres", "template0", "template1"):
        raise Failed("--database-url: name a database of the bench's own (it is dropped and created)")
    import psycopg
    from psycopg import sql

    conninfo = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        name = sql.Identifier(str(url.database))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@dataclass
class Seat:
    """A collector of the bench: its login, its API key and the cases it goes round (case, phone)."""

    username: str
    key: str
    cases: list[tuple[int, int]]


def add_collectors(url: str, count: int, cases_each: int, region: str) -> tuple[list[Seat], int]:
    """The bench's collectors (each with a phone extension and an API key) and their cases: the open
    cases of `region`'s creditors ("any": every creditor) with a usable phone of the debtor's own,
    assigned in turn. (The seats, how many cases could be called.)"""
    from sqlalchemy import func, select, update

    from huikuan.services.api_keys import create_key
    from huikuan.services.calls import best_phone_points
    from huikuan.services.users import add_user
    from huikuan.storage import tables as t
    from huikuan.storage.engine import make_engine
    from huikuan.storage.uow import UnitOfWork

    engine = make_engine(url)
    try:
        with UnitOfWork(engine) as uow:
            c, cr = t.cases.c, t.creditors.c
            query = select(c.id).join(t.creditors, cr.id == c.creditor_id).where(c.stage != "closed")
            if region != "any":
                query = query.where(func.upper(cr.region) == region.upper())
            case_ids = [int(i) for i in uow.session.scalars(query.order_by(c.id))]
            phones = best_phone_points(uow, case_ids)
            callable_cases = [(case_id, phones[case_id]) for case_id in case_ids if case_id in phones]
            seats: list[Seat] = []
            user_ids: list[int] = []
            for n in range(1, count + 1):
                name = f"bench{n:03d}"
                user = add_user(
                    uow, name, secrets.token_urlsafe(16), role="collector", display_name=f"坐席{n:03d}"
                )
                user_ids.append(int(user.id or 0))
                uow.session.execute(
                    update(t.users)
                    .where(t.users.c.id == user.id)
                    .values(phone_extension=f"{name}@{INSTANCE}")
                )
                seats.append(Seat(name, "", []))
            uow.commit()
            for seat in seats:
                _key_id, seat.key = create_key(uow, None, seat.username, "calls bench")
            per = min(cases_each, len(callable_cases) // max(count, 1))
            if per < 1:
                raise Failed(
                    f"{len(callable_cases)} callable cases for {count} collectors: give --accounts more"
                )
            for n, seat in enumerate(seats):
                seat.cases = callable_cases[n * per : (n + 1) * per]
                uow.session.execute(
                    update(t.cases)
                    .where(c.id.in_([case_id for case_id, _ in seat.cases]))
                    .values(assigned_user_id=user_ids[n], claimed_by=None, claim_expires_at=None)
                )
            uow.commit()
    finally:
        engine.dispose()
    return seats, len(callable_cases)


# --- the clicks ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    clicks: int = 0
    placed: int = 0
    failed: int = 0  # the provider refused the call (201 "failed")
    refused: int = 0
    refused_by_rule: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    later_ms: list[float] = field(default_factory=list)  # each collector's clicks after its first
    placed_ms: list[float] = field(default_factory=list)


def not_before(next_allowed_at: Any) -> float:
    """The monotonic instant from which a refused case may be clicked again: the gate's next allowed time
    (none: not during this run)."""
    try:
        when = datetime.fromisoformat(str(next_allowed_at))
    except ValueError:
        return float("inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return time.monotonic() + max(0.0, (when - datetime.now(UTC)).total_seconds())


def collector(seat: Seat, port: int, until: float, end_after: float, wrap_up: float, tally: Tally) -> None:
    """One collector going round its cases until `until` (monotonic): click, talk, wrap up; refused, it
    wraps up and takes its next case, and clicks the refused one again only from the gate's next allowed
    time (as the refusal tells the person); with no case it may call, it waits for the first that opens."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    headers = {"authorization": f"Bearer {seat.key}", "content-type": "application/json"}
    opens = [0.0] * len(seat.cases)  # when each case may be clicked again
    n = clicked = 0
    while time.monotonic() < until:
        now = time.monotonic()
        ready = [k for k in range(len(seat.cases)) if opens[(n + k) % len(seat.cases)] <= now]
        if not ready:
            time.sleep(max(0.0, min(min(opens), until) - now))
            continue
        index = (n + ready[0]) % len(seat.cases)
        n = index + 1
        case_id, point_id = seat.cases[index]
        body = json.dumps({"contact_point_id": point_id})
        started = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/cases/{case_id}/calls", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
            with tally.lock:
                tally.clicks += 1
                tally.errors[type(exc).__name__] += 1
            time.sleep(wrap_up)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        pause = wrap_up
        with tally.lock:
            tally.clicks += 1
            tally.latencies_ms.append(elapsed)
            if clicked:
                tally.later_ms.append(elapsed)
            clicked += 1
            try:
                answer = json.loads(data)
            except ValueError:
                answer = {}
            if status == 201 and answer.get("state") in ("placed", "ended"):
                tally.placed += 1
                tally.placed_ms.append(elapsed)
                pause = end_after + wrap_up
            elif status == 201:
                tally.failed += 1
                tally.errors[f"provider: {str(answer.get('error', ''))[:80]}"] += 1
            elif status == 409 and answer.get("rules"):
                tally.refused += 1
                for rule in answer["rules"]:
                    tally.refused_by_rule[str(rule)] += 1
                opens[index] = not_before(answer.get("next_allowed_at"))
            else:
                tally.errors[f"HTTP {status}: {str(answer.get('detail', ''))[:80]}"] += 1
        time.sleep(max(0.0, min(pause, until - time.monotonic())))
    conn.close()


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 1),
    }


# --- the check -----------------------------------------------------------------------------------------


def records_by_source(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from huikuan.storage import tables as t
    from huikuan.storage.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            c = t.calls.c
            rows = conn.execute(
                select(c.state, c.record_source, func.count()).group_by(c.state, c.record_source)
            ).all()
    finally:
        engine.dispose()
    return {f"{state}/{source or '-'}": int(n) for state, source, n in rows}


def provider_list(env: dict[str, str], since: datetime) -> list[str]:
    """The ContactIds of every ended call in the stand-in's own listing since `since`, read through the
    floor's adapter (ListCallDetailRecords, signed)."""
    from huikuan.channels.telephony import telephony
    from huikuan.config import Settings

    settings = Settings(
        telephony="aliyun",
        telephony_api_url=env["HUIKUAN_TELEPHONY_API_URL"],
        telephony_key_id=KEY_ID,
        telephony_key_secret=KEY_SECRET,
        telephony_instance=INSTANCE,
    )
    phone = telephony(settings)
    if phone is None:
        raise Failed("the telephony settings give no adapter")
    return [rec.provider_ref for rec in phone.calls_since(since - timedelta(minutes=1))]


def check(url: str, listed: list[str], end_after: float) -> dict[str, Any]:
    """Every call of the stand-in's list against the database: taken (state "ended"), lost, taken twice;
    the records by source and the callbacks' latency (recorded_at less the call's end at the stand-in:
    its start plus --end-after)."""
    from sqlalchemy import func, select

    from huikuan.storage import tables as t
    from huikuan.storage.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            c, a = t.calls.c, t.audit_events.c
            rows = conn.execute(
                select(c.id, c.provider_ref, c.state, c.record_source, c.started_at, c.recorded_at).where(
                    c.provider == "aliyun"
                )
            ).all()
            twice = conn.execute(
                select(func.count()).select_from(
                    select(a.entity_id)
                    .where(a.action == "call.recorded", a.entity == "call")
                    .group_by(a.entity_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            ).scalar_one()
            unknown = conn.execute(select(func.count()).where(a.action == "call.record_unknown")).scalar_one()
            states = {
                str(state): int(n)
                for state, n in conn.execute(select(c.state, func.count()).group_by(c.state))
            }
            i = t.interactions.c
            outcomes = {
                str(outcome): int(n)
                for outcome, n in conn.execute(
                    select(i.outcome, func.count())
                    .select_from(t.calls.join(t.interactions, i.id == c.interaction_id))
                    .group_by(i.outcome)
                )
            }
    finally:
        engine.dispose()
    by_ref = {r.provider_ref: r for r in rows if r.provider_ref}
    missing = [ref for ref in listed if ref not in by_ref]
    not_ended = [ref for ref in listed if ref in by_ref and by_ref[ref].state != "ended"]
    sources = Counter(str(by_ref[ref].record_source) for ref in listed if ref in by_ref)
    latency = [
        (r.recorded_at - r.started_at).total_seconds() * 1000 - end_after * 1000
        for r in rows
        if r.record_source == "callback" and r.recorded_at is not None and r.started_at is not None
    ]
    return {
        "listed_by_call_centre": len(listed),
        "calls_rows": len(rows),
        "calls_by_state": states,
        "their_interactions_by_outcome": outcomes,
        "records_by_callback": sources.get("callback", 0),
        "records_by_reconciliation": sources.get("reconcile", 0),
        "lost": len(missing) + len(not_ended),
        "lost_missing_row": missing[:10],
        "lost_not_ended": not_ended[:10],
        "taken_twice": int(twice),
        "records_of_no_call_of_ours": int(unknown),
        "callback_latency": percentiles(latency),
    }


# --- the run -------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, workdir: Path, procs: Processes) -> dict[str, Any]:
    log = workdir / "setup.log"
    url = fresh_database(args.database_url, workdir)
    server_port, centre_port = free_port(), free_port()
    callback_secret = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        **AGENCY,
        "HUIKUAN_DATABASE_URL": url,
        "HUIKUAN_SECRET_KEY": secrets.token_urlsafe(32),
        "HUIKUAN_LETTERS_DIR": str(workdir / "letters"),
        "HUIKUAN_DOCUMENTS_DIR": str(workdir / "documents"),
        "HUIKUAN_MFA_ROLES": "",
        "HUIKUAN_RUN_JOBS": "false",
        "HUIKUAN_TELEPHONY": "aliyun",
        "HUIKUAN_TELEPHONY_API_URL": f"http://127.0.0.1:{centre_port}",
        "HUIKUAN_TELEPHONY_KEY_ID": KEY_ID,
        "HUIKUAN_TELEPHONY_KEY_SECRET": KEY_SECRET,
        "HUIKUAN_TELEPHONY_INSTANCE": INSTANCE,
        "HUIKUAN_TELEPHONY_CALLER_ID": CALLER_ID,
        "HUIKUAN_TELEPHONY_CALLBACK_SECRET": callback_secret,
    }
    env.pop("HUIKUAN_PUBLIC_URL", None)
    setup: dict[str, float] = {}
    setup["init_s"], _ = huikuan(["init"], env, workdir, log)
    setup["demo_s"], _ = huikuan(["demo", "--accounts", str(args.accounts), "--seed", "7"], env, workdir, log)
    started = time.monotonic()
    seats, callable_cases = add_collectors(url, args.collectors, args.cases_each, args.region)
    setup["collectors_s"] = round(time.monotonic() - started, 2)
    print(f"database ready: {url.split('@')[-1]} ({setup})", flush=True)

    serve = [str(HUIKUAN), "serve", "--host", "127.0.0.1", "--port", str(server_port)]
    if args.workers > 1:
        serve += ["--workers", str(args.workers)]
    server = procs.start("server", serve, env)
    wait_http(f"http://127.0.0.1:{server_port}/health", server, procs.log_path("server"), 120)
    callback_url = f"http://127.0.0.1:{server_port}/api/v1/callbacks/calls/aliyun/{callback_secret}"
    centre_args = [
        str(PYTHON),
        str(CALL_CENTRE),
        "--port",
        str(centre_port),
        "--key-id",
        KEY_ID,
        "--key-secret",
        KEY_SECRET,
        "--instance",
        INSTANCE,
        "--callback-url",
        callback_url,
        "--end-after",
        str(args.end_after),
        "--drop-callbacks-after",
        str(args.drop_after),
        "--drop-callbacks-for",
        str(args.drop_for),
        "--max-seconds",
        str(int(args.seconds + SETTLE_TIMEOUT_S + 900)),
    ]
    centre_started = time.monotonic()
    centre = procs.start("call_centre", centre_args, env)
    stats_url = f"http://127.0.0.1:{centre_port}/_stats"
    wait_http(stats_url, centre, procs.log_path("call_centre"), 30)
    since = datetime.now(UTC)

    tally = Tally()
    clicks_started = time.monotonic()
    until = clicks_started + args.seconds
    print(
        f"{len(seats)} collectors clicking for {args.seconds:.0f} s; callbacks dropped from "
        f"{args.drop_after:.0f} s for {args.drop_for:.0f} s ...",
        flush=True,
    )
    threads = [
        threading.Thread(
            target=collector,
            args=(seat, server_port, until, args.end_after, args.wrap_up, tally),
            daemon=True,
        )
        for seat in seats
    ]
    for thread in threads:  # spread over the first wrap-up, as people start one by one
        thread.start()
        time.sleep(args.wrap_up / max(len(threads), 1))
    for thread in threads:
        thread.join(args.seconds + REQUEST_TIMEOUT_S + 10)
    clicked_s = time.monotonic() - clicks_started

    # The calls in flight end and their pushes finish (or are dropped).
    deadline = time.monotonic() + args.end_after + SETTLE_TIMEOUT_S
    centre_stats = get_json(stats_url)
    while time.monotonic() < deadline:
        centre_stats = get_json(stats_url)
        done = centre_stats["pushed"] + centre_stats["dropped"] + centre_stats["push_failed"]
        if centre_stats["ended"] == centre_stats["placed"] and done >= centre_stats["ended"]:
            break
        time.sleep(0.5)
    else:
        raise Failed(f"the stand-in's calls did not all end and push within the time: {centre_stats}")
    before = records_by_source(url)

    reconcile_started = time.monotonic()
    _, out = huikuan(["jobs", "run", "--only", "calls-reconcile", "--json"], env, workdir, log)
    reconcile_s = round(time.monotonic() - reconcile_started, 2)
    try:
        reconciled = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        reconciled = {"output": out[-500:]}

    listed = provider_list(env, since)
    checked = check(url, listed, args.end_after)
    lost_ok = checked["lost"] == 0 and checked["taken_twice"] == 0
    lost_ok = lost_ok and len(listed) == centre_stats["placed"]
    tally_placed = tally.placed
    return {
        "benchmark": "calls_bench",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "database": url.split("://")[0],
            "collectors": args.collectors,
            "seconds": args.seconds,
            "drop_after_s": args.drop_after,
            "drop_for_s": args.drop_for,
            "accounts": args.accounts,
            "region": args.region,
            "cases_each": len(seats[0].cases) if seats else 0,
            "callable_cases": callable_cases,
            "end_after_s": args.end_after,
            "wrap_up_s": args.wrap_up,
            "server_workers": args.workers,
            "stand_in_started_before_clicks_s": round(clicks_started - centre_started, 2),
        },
        "setup": setup,
        "clicked_s": round(clicked_s, 1),
        "clicks": tally.clicks,
        "placed": tally_placed,
        "placed_by_call_centre": centre_stats["placed"],
        "refused_by_gate": tally.refused,
        "refused_by_rule": dict(tally.refused_by_rule.most_common()),
        "failed_by_provider": tally.failed,
        "errors": dict(tally.errors.most_common(10)),
        "click_latency": percentiles(tally.latencies_ms),
        # the first click of each collector meets a cold server (its first call to the call centre)
        "click_latency_after_first": percentiles(tally.later_ms),
        "placed_click_latency": percentiles(tally.placed_ms),
        "call_centre": centre_stats,
        "before_reconciliation": before,
        "reconciliation": {"seconds": reconcile_s, "result": reconciled},
        **checked,
        "zero_lost": lost_ok,
        **machine(),
    }


def machine() -> dict[str, Any]:
    return {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--collectors", type=int, default=200, help="collectors clicking (default 200)")
    parser.add_argument("--seconds", type=float, default=300, help="how long they click (default 300)")
    parser.add_argument(
        "--drop-after", type=float, default=120, help="seconds into the clicks the pushes stop (default 120)"
    )
    parser.add_argument("--drop-for", type=float, default=60, help="seconds pushes are dropped (default 60)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database of its own (dropped, created); default: SQLite",
    )
    parser.add_argument("--accounts", type=int, default=2000, help="the demo's accounts (default 2000)")
    parser.add_argument(
        "--cases-each", type=int, default=3, help="the cases a collector goes round (default 3)"
    )
    parser.add_argument(
        "--region", default="cn", help="the creditors' region whose cases are called (any: all)"
    )
    parser.add_argument(
        "--end-after", type=float, default=20, help="seconds a placed call lasts (default 20)"
    )
    parser.add_argument("--wrap-up", type=float, default=10, help="seconds between a call and the next click")
    parser.add_argument("--workers", type=int, default=1, help="server processes (huikuan serve --workers)")
    parser.add_argument("--out", type=Path, default=OUT / "calls_bench.json", help="where the JSON goes")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (database, logs)")
    args = parser.parse_args(argv)
    if args.collectors < 1 or args.seconds <= 0 or args.drop_for < 0 or args.drop_after < 0:
        parser.error("--collectors, --seconds must be positive; --drop-after, --drop-for not negative")
    signal.signal(signal.SIGTERM, interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="hk-calls-bench-"))
    procs = Processes(workdir, args.seconds + SETTLE_TIMEOUT_S + SETUP_TIMEOUT_S)
    keep = args.keep
    try:
        result = run(args, workdir, procs)
    except (Failed, KeyboardInterrupt) as exc:
        keep = True
        print(f"calls bench failed: {exc}\n(work directory kept: {workdir})", file=sys.stderr, flush=True)
        return 1
    finally:
        procs.stop_all()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text, flush=True)
    if not result["zero_lost"]:
        print("records were lost or taken twice (see lost / taken_twice)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
