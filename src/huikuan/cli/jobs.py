"""`huikuan jobs run`: runs the periodic jobs that are due, once, however many processes call it
(cron, a systemd timer, the worker); `huikuan jobs worker`: the jobs' own long-running process, which
runs them every minute beside the web server; `huikuan jobs list`: when each job last ran.

Thin: parse the arguments, call services/jobs.py, print.
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

import typer

from huikuan.cli.common import fail, instant
from huikuan.config import get_settings
from huikuan.errors import HuikuanError
from huikuan.i18n import gettext as _
from huikuan.logs import configure_logging
from huikuan.storage.engine import get_engine

app = typer.Typer(
    help="Periodic jobs: claim expiry, promise and instalment checks, the outbox, the daily plan.",
    no_args_is_help=True,
    add_completion=False,
)


def describe(name: str, outcome: dict[str, Any]) -> str:
    """One line for what a job did, in the user's language."""
    if "error" in outcome:
        return _("{job}: failed: {error}", job=name, error=outcome["error"])
    skipped = outcome.get("skipped")
    if skipped == "running elsewhere":
        return _("{job}: running in another process", job=name)
    if skipped == "not due":
        return _("{job}: not due until {at}", job=name, at=outcome.get("next_run_at", ""))
    if not outcome:
        return _("{job}: done", job=name)
    counts = ", ".join(f"{key} {value}" for key, value in outcome.items())
    return _("{job}: done ({counts})", job=name, counts=counts)


@app.command("run")
def run(
    only: str | None = typer.Option(None, "--only", help="Run this job now, due or not (e.g. claims)"),
    now: str | None = typer.Option(None, "--now", help="ISO 8601 instant to run as (default: now)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: what each job did"),
) -> None:
    """Run every job that is due, once; safe to start from several processes at the same time."""
    from huikuan.services.jobs import run_due

    configure_logging()  # what went wrong, as JSON lines on standard error; the results on stdout
    try:
        done = run_due(get_engine(get_settings().database_url), now=instant(now), only=only)
    except HuikuanError as exc:
        raise fail(str(exc), 2, as_json=as_json) from exc
    if as_json:
        typer.echo(json.dumps(done, ensure_ascii=False, default=str))
        return
    for name, outcome in done.items():
        typer.echo(describe(name, outcome))


@app.command("worker")
def worker(
    interval: float = typer.Option(60.0, "--interval", min=1.0, help="Seconds between passes"),
) -> None:
    """Run the due jobs every --interval seconds until stopped (Ctrl-C or SIGTERM): the jobs' own process,
    started beside `huikuan serve` (make run does). Several workers together are safe."""
    from huikuan.services.job_loop import JobScheduler

    configure_logging()
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _sig, _frame: stopping.set())
    scheduler = JobScheduler(get_engine(get_settings().database_url), interval)
    scheduler.start()
    typer.echo(_("Jobs worker started: the due jobs run every {seconds} s", seconds=int(interval)), err=True)
    while not stopping.wait(1.0):
        if not scheduler.running:  # pragma: no cover - the loop never ends by itself
            break
    scheduler.stop()
    typer.echo(_("Jobs worker stopped"), err=True)


@app.command("list")
def list_jobs(as_json: bool = typer.Option(False, "--json", help="One JSON array")) -> None:
    """Each job, how often it runs, and when it last ran with what result."""
    from huikuan.services.jobs import job_status

    status = job_status(get_engine(get_settings().database_url))
    if as_json:
        typer.echo(json.dumps(status, ensure_ascii=False, default=str))
        return
    for job in status:
        last = job["last_run_at"] or _("never")
        typer.echo(
            _(
                "{job}: every {minutes} min; last run {last}",
                job=job["name"],
                minutes=job["interval_s"] // 60,
                last=last,
            )
        )
