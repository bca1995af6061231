"""The loop that runs the due jobs every minute in a background thread, until stopped: the jobs
worker's (`huikuan jobs worker`) and, when HUIKUAN_RUN_JOBS is true, the web server's.

An error is logged, never raised: the loop goes on. Several loops (processes) together are safe: each
job's lease lets one process run it at a time (services/jobs.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine

from huikuan.services.jobs import run_due

log = logging.getLogger(__name__)
INTERVAL_S = 60.0


class JobScheduler:
    """A daemon thread calling `run_due` every `interval` seconds until stopped."""

    def __init__(
        self,
        engine: Engine,
        interval: float = INTERVAL_S,
        run: Callable[[Engine], Mapping[str, Any]] = run_due,
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
