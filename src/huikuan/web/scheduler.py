"""The embedded server's job loop: the due jobs run inside `huikuan serve` when HUIKUAN_RUN_JOBS is true.

By default they run in their own process (`huikuan jobs worker`, which `make run` starts beside the
server), so a long job never competes with the pages for the web process's connections or its GIL.
Both together are safe, since each job's lease lets only one process run it at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from huikuan.services.job_loop import INTERVAL_S, JobScheduler


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


__all__ = ["JobScheduler", "attach", "lifespan_jobs"]
