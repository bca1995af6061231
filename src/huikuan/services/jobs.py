"""The periodic jobs and the one function that runs those that are due: `huikuan jobs run`, cron, a
systemd timer and the embedded server's scheduler all call `run_due`.

A job is `def name(uow: UnitOfWork, now: datetime) -> dict[str, int]` (counts of what it did). Each
job has a lease row in `job_leases`; a process runs a job only after taking its lease with a conditional
UPDATE that must change exactly one row (free or expired lease, interval passed), so several processes
calling `run_due` at the same moment run each due job once. The lease expires by itself after
`LEASE` (or the job's own, longer `lease`) should a process die while running a job.

A job that fails is reported with its error without stopping the others.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from huikuan.config import get_settings
from huikuan.errors import InvalidInput
from huikuan.logs import safe_message
from huikuan.metrics import JOB_RUNS, JOB_SECONDS
from huikuan.services.activity_files import activity_files
from huikuan.services.auth import forget_old_attempts
from huikuan.services.call_recordings import call_recordings_job
from huikuan.services.call_records import reconcile_job
from huikuan.services.call_review_sample import sample_calls
from huikuan.services.daily_plan import plan_if_missing
from huikuan.services.export_requests import run_export_requests
from huikuan.services.import_runs import run_orphaned
from huikuan.services.instalment_job import check_instalments
from huikuan.services.monthly_job import monthly_reports
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.plan_dispatch import dispatch_plan
from huikuan.services.promises import check_promises
from huikuan.services.queue_claims import expire_claims
from huikuan.services.reports import reports_job
from huikuan.services.retention import retention_job
from huikuan.storage import tables as t
from huikuan.storage.engine import is_sqlite, read_engine
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a job holding its lease longer is presumed dead and may be run again
# A plan of a million cases takes about a minute, on a loaded machine several: never two at once.
PLAN_LEASE = timedelta(minutes=30)
# A first run on years of closed debts anonymises them all, a few hundred per transaction.
RETENTION_LEASE = timedelta(hours=2)
IMPORTS_LEASE = timedelta(hours=1)  # a million-row placement file, imported by the jobs
REPORTS_LEASE = timedelta(minutes=30)  # a month-end snapshot of a million accounts
RECORDINGS_LEASE = timedelta(hours=1)  # a hundred recordings from a slow provider, each with its timeout


JobFunction = Callable[[UnitOfWork, datetime], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    interval: timedelta
    what: str  # one line for the docs and `huikuan jobs list`
    lease: timedelta = LEASE  # longer than any run of the job: a holder past it is presumed dead

    @property
    def target(self) -> str:
        return f"{self.run.__module__}:{self.run.__name__}"


REGISTRY: dict[str, Job] = {
    job.name: job
    for job in (
        Job("claims", expire_claims, timedelta(minutes=1), "expire idle case claims"),
        Job(
            "promises",
            check_promises,
            timedelta(minutes=15),
            "mark promises kept, partly kept or broken from imported payments",
        ),
        Job(
            "instalments",
            check_instalments,
            timedelta(minutes=15),
            "mark instalments paid or missed; a missed one breaks the plan",
        ),
        Job("outbox", dispatch_due, timedelta(minutes=1), "send queued messages"),
        Job("logins", forget_old_attempts, timedelta(days=1), "forget old login attempts"),
        Job(
            "daily-plan",
            plan_if_missing,
            timedelta(minutes=5),
            "make today's plan after the plan hour if there is none",
            lease=PLAN_LEASE,
        ),
        Job(
            "plan-dispatch",
            dispatch_plan,
            timedelta(minutes=5),
            "queue today's planned messages and letters in the outbox, each for its planned slot",
            lease=PLAN_LEASE,
        ),
        Job(
            "retention",
            retention_job,
            timedelta(days=1),
            "anonymise the personal data of debts closed past their retention; apply erasure requests",
            lease=RETENTION_LEASE,
        ),
        Job(
            "imports",
            run_orphaned,
            timedelta(minutes=1),
            "run uploaded imports no process took; mark failed those a dead process left running",
            lease=IMPORTS_LEASE,
        ),
        Job(
            "reports",
            reports_job,
            timedelta(hours=1),
            "recompute the reports' daily counters since the last run; snapshot accounts at month-end",
            lease=REPORTS_LEASE,
        ),
        Job(
            "exports",
            run_export_requests,
            timedelta(minutes=1),
            "write the files of lists too long to download at once",
            lease=IMPORTS_LEASE,
        ),
        Job(
            "activity-files",
            activity_files,
            timedelta(hours=1),
            "write each creditor's activity file of the previous floor day, once",
        ),
        Job(
            "calls-reconcile",
            reconcile_job,
            timedelta(minutes=5),
            "take in the call records the telephone system's callbacks missed, from its call list",
        ),
        Job(
            "call-recordings",
            call_recordings_job,
            timedelta(minutes=5),
            "fetch the calls' recordings from the telephone system into the document store",
            lease=RECORDINGS_LEASE,
        ),
        Job(
            "monthly-reports",
            monthly_reports,
            timedelta(days=1),
            "make and e-mail last month's report of each creditor with report recipients, once",
        ),
        Job(
            "call-review-sample",
            sample_calls,
            timedelta(hours=6),
            "sample last week's answered calls of each collector for quality review, once a week",
        ),
    )
}


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(engine: Engine, name: str) -> None:
    """The job's lease row, created by whoever comes first (a conflict is ignored)."""
    insert = sqlite_insert if is_sqlite(engine) else pg_insert
    with engine.begin() as conn:
        conn.execute(insert(t.job_leases).values(name=name, last_result={}).on_conflict_do_nothing())


def _take(engine: Engine, job: Job, holder: str, now: datetime, *, forced: bool) -> bool:
    """Takes the job's lease if it is free (or expired) and, unless forced, the interval has passed."""
    j = t.job_leases.c
    condition = [j.name == job.name, or_(j.expires_at.is_(None), j.expires_at < now)]
    if not forced:
        condition.append(or_(j.last_run_at.is_(None), j.last_run_at <= now - job.interval))
    with engine.begin() as conn:
        result = conn.execute(
            update(t.job_leases).where(*condition).values(holder=holder, expires_at=now + job.lease)
        )
    return bool(result.rowcount == 1)


def _why_not(engine: Engine, job: Job, now: datetime) -> dict[str, Any]:
    j = t.job_leases.c
    with engine.connect() as conn:
        row = conn.execute(select(j.expires_at, j.last_run_at).where(j.name == job.name)).one()
    if row.expires_at is not None and row.expires_at >= now:
        return {"skipped": "running elsewhere"}
    due = row.last_run_at + job.interval if row.last_run_at is not None else now
    return {"skipped": "not due", "next_run_at": due.isoformat(timespec="seconds")}


def _finish(engine: Engine, job: Job, holder: str, now: datetime, result: dict[str, Any]) -> None:
    j = t.job_leases.c
    with engine.begin() as conn:
        conn.execute(
            update(t.job_leases)
            .where(j.name == job.name, j.holder == holder)
            .values(holder=None, expires_at=None, last_run_at=now, last_result=result)
        )


def _run_one(engine: Engine, job: Job, holder: str, now: datetime, *, forced: bool) -> dict[str, Any]:
    _ensure_row(engine, job.name)
    if not _take(engine, job, holder, now, forced=forced):
        return _why_not(engine, job, now)
    result: dict[str, Any]
    started = time.monotonic()
    try:
        with UnitOfWork(engine, reader=read_engine(get_settings())) as uow:
            counts = job.run(uow, now)
            uow.commit()
        result = dict(counts or {})
        JOB_RUNS.labels(job.name, "ok").inc()
    except Exception as exc:  # reported, and the lease released: the other jobs still run
        log.exception("job %s failed", job.name)
        result = {"error": f"{type(exc).__name__}: {safe_message(exc)}"}
        JOB_RUNS.labels(job.name, "failed").inc()
    JOB_SECONDS.labels(job.name).observe(time.monotonic() - started)
    _finish(engine, job, holder, now, result)
    return result


def run_due(
    engine: Engine, *, now: datetime | None = None, only: str | None = None, holder: str | None = None
) -> dict[str, dict[str, Any]]:
    """Runs every job whose interval has passed (or only the one named, due or not), each once across
    all processes, each in its own unit of work. Returns what each job did, by name:
    its counts, `{"skipped": "not due" | "running elsewhere"}` or `{"error": ...}`."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    if only is not None and only not in REGISTRY:
        raise InvalidInput("job: {name} is not one of {names}", name=only, names=", ".join(REGISTRY))
    who = holder or default_holder()
    chosen = [REGISTRY[only]] if only is not None else list(REGISTRY.values())
    return {job.name: _run_one(engine, job, who, instant, forced=only is not None) for job in chosen}


def job_status(engine: Engine) -> list[dict[str, Any]]:
    """Each job with its interval and its lease row: when it last ran, what it did, who holds it now."""
    with engine.connect() as conn:
        rows = {r.name: r for r in conn.execute(select(t.job_leases))}
    out = []
    for job in REGISTRY.values():
        row = rows.get(job.name)
        out.append(
            {
                "name": job.name,
                "target": job.target,
                "interval_s": int(job.interval.total_seconds()),
                "what": job.what,
                "last_run_at": row.last_run_at.isoformat(timespec="seconds")
                if row is not None and row.last_run_at
                else None,
                "last_result": dict(row.last_result) if row is not None else None,
                "holder": row.holder if row is not None else None,
            }
        )
    return out
