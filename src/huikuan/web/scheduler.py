"""The embedded server's job loop: `run_due` every minute in a background thread while the app runs.

For the default, single-machine set-up (`huikuan serve`, HUIKUAN_RUN_JOBS=true). Production may run
`huikuan jobs run` from cron or a systemd timer instead (docs/queue-and-jobs.md); both together are safe,
since each job's lease lets only one process run it at a time. An error is logged, never raised: the
server keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

log = logging.getLogger(__name__)
INTERVAL_S = 60.0


def _run_due(engine: Engine) -> Mapping[str, Any]:
    from huikuan.services.jobs import run_due

    return run_due(engine)


class JobScheduler:
    """A daemon thread calling `run_due` every `interval` seconds until stopped."""

    def __init__(
        self,
        engine: Engine,
        interval: float = INTERVAL_S,
        run: Callable[[Engine], Mapping[str, Any]] = _run_due,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.runs = 0  # completed passes, for tests and the curious
        self._run = run
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="huikuan-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Asks the loop to end and waits for a job in progress to finish (up to `timeout` seconds)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                done = self._run(self.engine)
                for name, outcome in done.items():
                    if "error" in outcome:
                        log.warning("job %s failed: %s", name, outcome["error"])
                    elif "skipped" not in outcome:
                        log.info("job %s: %s", name, outcome)
            except Exception:
                log.exception("running the due jobs failed; trying again in %s s", self.interval)
            self.runs += 1
            self._stopping.wait(self.interval)


def lifespan_jobs(
    scheduler: JobScheduler,
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] | None = None,
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """A lifespan that starts the scheduler with the app and stops it on shutdown, around `inner`."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        scheduler.start()
        try:
            if inner is None:
                yield None
            else:
                async with inner(app) as state:
                    yield state
        finally:
            scheduler.stop()

    return lifespan


def attach(app: FastAPI, engine: Engine, interval: float = INTERVAL_S) -> JobScheduler:
    """Runs the due jobs every `interval` seconds while `app` runs (kept as `app.state.job_scheduler`)."""
    scheduler = JobScheduler(engine, interval)
    app.router.lifespan_context = lifespan_jobs(scheduler, app.router.lifespan_context)
    app.state.job_scheduler = scheduler
    return scheduler
