"""Periodic jobs: each due job runs once however many processes call `run_due`, a failing job does not
stop the others, and `huikuan jobs run` reports what each did."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from tests.support.factories import cli, cli_json
from tests.support.floor import MORNING, Floor

from huikuan.errors import InvalidInput
from huikuan.services import jobs
from huikuan.services.job_loop import JobScheduler
from huikuan.services.jobs import Job, run_due
from huikuan.services.queue_claims import next_case
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.web.scheduler import attach


class Calls:
    """Jobs for the tests, in a module of their own that `run_due` finds by dotted path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count: dict[str, int] = {}

    def counting(self, name: str, pause: float = 0.0) -> Callable[[UnitOfWork, datetime], dict[str, int]]:
        def job(uow: UnitOfWork, now: datetime) -> dict[str, int]:
            uow.session.execute(select(1))
            with self.lock:
                self.count[name] = self.count.get(name, 0) + 1
            time.sleep(pause)
            return {"done": 1}

        return job


@pytest.fixture
def calls() -> Calls:
    return Calls()


def failing(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    raise RuntimeError("the provider is down")


def _registry(monkeypatch: pytest.MonkeyPatch, calls: Calls, *entries: tuple[str, timedelta]) -> None:
    """Test jobs by name: `first` and `slow` count their runs (slow takes half a second), `failing` fails."""
    made = {"first": calls.counting("first"), "slow": calls.counting("slow", pause=0.5), "failing": failing}
    registry = {name: Job(name, made[name], interval, name) for name, interval in entries}
    monkeypatch.setattr(jobs, "REGISTRY", registry)


MINUTE = timedelta(minutes=1)


def test_a_due_job_runs_and_waits_its_interval_before_running_again(
    engine: Engine, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("first", timedelta(minutes=15)))
    assert run_due(engine, now=MORNING) == {"first": {"done": 1}}
    assert run_due(engine, now=MORNING + timedelta(minutes=14)) == {
        "first": {"skipped": "not due", "next_run_at": (MORNING + timedelta(minutes=15)).isoformat()}
    }
    assert run_due(engine, now=MORNING + timedelta(minutes=15)) == {"first": {"done": 1}}
    assert calls.count == {"first": 2}
    with engine.connect() as conn:
        lease = conn.execute(select(t.job_leases)).one()
    assert lease.name == "first" and lease.holder is None and lease.expires_at is None
    assert lease.last_run_at == MORNING + timedelta(minutes=15) and lease.last_result == {"done": 1}


def test_only_runs_the_named_job_now_whether_or_not_it_is_due(
    engine: Engine, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("first", timedelta(days=1)), ("slow", MINUTE))
    run_due(engine, now=MORNING, only="first")
    assert run_due(engine, now=MORNING + MINUTE, only="first") == {"first": {"done": 1}}
    assert calls.count == {"first": 2}
    with pytest.raises(InvalidInput):
        run_due(engine, now=MORNING, only="nonesuch")


def test_two_processes_at_once_run_each_job_once(
    engine: Engine, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("slow", MINUTE), ("first", MINUTE))
    start = threading.Barrier(4)
    results: list[dict[str, dict[str, Any]]] = []

    def process() -> None:
        start.wait()
        results.append(run_due(engine, now=MORNING))

    threads = [threading.Thread(target=process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert calls.count == {"slow": 1, "first": 1}
    assert len(results) == 4
    for name in ("slow", "first"):
        outcomes = [r[name] for r in results]
        assert outcomes.count({"done": 1}) == 1
        assert all(o == {"done": 1} or o["skipped"] in ("running elsewhere", "not due") for o in outcomes)


def test_a_failing_job_is_reported_and_the_others_still_run(
    engine: Engine, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("failing", MINUTE), ("first", MINUTE))
    done = run_due(engine, now=MORNING)
    assert done == {"failing": {"error": "RuntimeError: the provider is down"}, "first": {"done": 1}}
    # Its lease is free again: it is tried once more after its interval.
    again = run_due(engine, now=MORNING + MINUTE)
    assert again["failing"] == {"error": "RuntimeError: the provider is down"}


def test_the_lease_of_a_process_that_died_expires(
    engine: Engine, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("first", MINUTE))
    with engine.begin() as conn:
        conn.execute(
            insert(t.job_leases).values(
                name="first", holder="dead-host:1", expires_at=MORNING + timedelta(minutes=5), last_result={}
            )
        )
    assert run_due(engine, now=MORNING) == {"first": {"skipped": "running elsewhere"}}
    assert run_due(engine, now=MORNING + timedelta(minutes=6)) == {"first": {"done": 1}}


def test_the_claims_job_expires_idle_claims(engine: Engine, floor: Floor) -> None:
    case_id = next_case(floor.uow, floor.viewer("alice"), now=MORNING)
    assert run_due(engine, now=MORNING + timedelta(minutes=10), only="claims") == {"claims": {"expired": 0}}
    assert run_due(engine, now=MORNING + timedelta(minutes=31), only="claims") == {"claims": {"expired": 1}}
    floor.uow.commit()
    holder = floor.uow.session.execute(select(t.cases.c.claimed_by).where(t.cases.c.id == case_id)).scalar()
    assert holder is None


def test_huikuan_jobs_run_reports_what_each_job_did(
    db_env: str, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("first", MINUTE), ("failing", MINUTE))
    code, done = cli_json("jobs", "run", "--now", "2026-11-20T02:00:00Z")
    assert code == 0
    assert done == {
        "first": {"done": 1},
        "failing": {"error": "RuntimeError: the provider is down"},
    }
    result = cli("jobs", "run", "--now", "2026-11-20T02:00:30Z")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "first: not due until 2026-11-20T02:01:00+00:00",
        "failing: not due until 2026-11-20T02:01:00+00:00",
    ]
    assert "first: done (done 1)" in cli("jobs", "run", "--only", "first").stdout


def test_huikuan_jobs_run_only_claims_as_json(db_env: str) -> None:
    code, done = cli_json("jobs", "run", "--only", "claims")
    assert (code, done) == (0, {"claims": {"expired": 0}})
    listed = cli("jobs", "list")
    assert listed.exit_code == 0 and "claims: every 1 min" in listed.stdout
    assert "daily-plan: every 5 min" in listed.stdout


def _until(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_the_embedded_server_runs_the_due_jobs_while_it_runs(
    engine: Engine, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    _registry(monkeypatch, calls, ("first", MINUTE))
    app = FastAPI()
    scheduler = attach(app, engine, interval=0.05)
    with TestClient(app):
        assert _until(lambda: scheduler.runs >= 3)
        assert scheduler.running
    assert not scheduler.running
    assert calls.count == {"first": 1}  # every pass asked; the job's interval let it run once


def test_an_error_in_the_job_loop_is_logged_and_the_loop_goes_on(engine: Engine) -> None:
    def broken(_engine: Engine) -> dict[str, Any]:
        raise RuntimeError("database away")

    scheduler = JobScheduler(engine, interval=0.01, run=broken)
    scheduler.start()
    try:
        assert _until(lambda: scheduler.runs >= 3) and scheduler.running
    finally:
        scheduler.stop()


def test_the_jobs_worker_runs_the_due_jobs_in_its_own_process_until_it_is_told_to_stop(
    db_env: str, engine: Engine
) -> None:
    import os
    import signal
    import subprocess

    env = {**os.environ, "HUIKUAN_DATABASE_URL": db_env, "HUIKUAN_LOCALE": "en", "HUIKUAN_SMS_URL": ""}
    worker = subprocess.Popen(
        [sys.executable, "-c", "from huikuan.cli import app; app()", "jobs", "worker", "--interval", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def ran(name: str) -> bool:
            with engine.connect() as conn:
                query = select(t.job_leases.c.last_run_at).where(t.job_leases.c.name == name)
                return conn.execute(query).scalar() is not None

        assert _until(lambda: all(ran(name) for name in ("claims", "outbox", "promises")), 30)
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=20)
    assert worker.returncode == 0, err
    assert "Jobs worker started" in err and "Jobs worker stopped" in err
    # The jobs' log: JSON lines (huikuan.logs), what each job did.
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(entry["logger"] == "huikuan.services.job_loop" for entry in logged), err


# On the floor (Asia/Shanghai, UTC+8) these are 05:30 and 06:30 on Sunday 6 December: the plan hour is 6.
BEFORE_THE_PLAN_HOUR = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
AFTER_THE_PLAN_HOUR = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)


def _plan_rows(engine: Engine) -> list[tuple[str, datetime]]:
    with engine.connect() as conn:
        query = select(t.plan_rows.c.plan_date, t.plan_rows.c.created_at).order_by(t.plan_rows.c.case_id)
        return [(str(day), made) for day, made in conn.execute(query)]


def test_the_daily_plan_job_makes_todays_plan_on_the_floor_once_the_plan_hour_has_passed(
    engine: Engine, floor: Floor
) -> None:
    assert run_due(engine, now=BEFORE_THE_PLAN_HOUR, only="daily-plan") == {"daily-plan": {"planned": 0}}
    assert _plan_rows(engine) == []
    done = run_due(engine, now=AFTER_THE_PLAN_HOUR, only="daily-plan")
    assert done == {"daily-plan": {"planned": 4}}  # BANK's three cases and SHOP's one
    assert {day for day, _made in _plan_rows(engine)} == {"2026-12-06"}


def test_the_daily_plan_job_leaves_a_plan_already_made_for_the_day_alone(
    engine: Engine, floor: Floor, db_env: str
) -> None:
    assert cli("plan", "--now", AFTER_THE_PLAN_HOUR.isoformat()).exit_code == 0  # by hand, or by cron
    made = _plan_rows(engine)
    later = AFTER_THE_PLAN_HOUR + timedelta(hours=2)
    assert run_due(engine, now=later, only="daily-plan") == {"daily-plan": {"planned": 0}}
    assert _plan_rows(engine) == made


def test_the_plan_hour_is_a_setting(engine: Engine, floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    from huikuan import config

    monkeypatch.setenv("HUIKUAN_PLAN_HOUR", "7")
    config.get_settings.cache_clear()
    try:
        assert run_due(engine, now=AFTER_THE_PLAN_HOUR, only="daily-plan") == {"daily-plan": {"planned": 0}}
        at_seven = AFTER_THE_PLAN_HOUR + timedelta(minutes=30)
        assert run_due(engine, now=at_seven, only="daily-plan") == {"daily-plan": {"planned": 4}}
    finally:
        config.get_settings.cache_clear()


def test_two_processes_finding_no_plan_at_once_make_it_once(
    engine: Engine, floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "REGISTRY", {"daily-plan": jobs.REGISTRY["daily-plan"]})
    start = threading.Barrier(3)
    results: list[dict[str, Any]] = []

    def process() -> None:
        start.wait()
        results.append(run_due(engine, now=AFTER_THE_PLAN_HOUR)["daily-plan"])

    threads = [threading.Thread(target=process) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 3
    assert [r for r in results if "planned" in r] == [{"planned": 4}]
    assert all(r["skipped"] in ("running elsewhere", "not due") for r in results if "planned" not in r)
    assert len(_plan_rows(engine)) == 4


def test_a_plan_still_running_after_the_other_jobs_lease_would_have_expired_is_not_started_again(
    engine: Engine, floor: Floor
) -> None:
    job = jobs.REGISTRY["daily-plan"]
    jobs._ensure_row(engine, job.name)
    assert jobs._take(engine, job, "busy-host:1", AFTER_THE_PLAN_HOUR, forced=True)  # a large plan began
    later = AFTER_THE_PLAN_HOUR + jobs.LEASE + timedelta(minutes=5)
    assert run_due(engine, now=later, only="daily-plan") == {"daily-plan": {"skipped": "running elsewhere"}}
    assert _plan_rows(engine) == []
