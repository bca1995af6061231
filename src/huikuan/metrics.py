"""The Prometheus metrics of a Huikuan process, defined once here and exposed at /metrics (web/monitoring.py).

- requests: by route template (never the path with its ids), method and status, with their latency;
- the admission limiter (web/capacity.py): requests that waited for a turn, and those turned away (503);
- the periodic jobs (services/jobs.py): runs by job and outcome, and how long they took;
- the read replica (HUIKUAN_READ_DATABASE_URL), only when there is one: whether it answers, and its lag,
  asked of it at each scrape (never a value kept by a process).

Values are per process. Several web processes (`huikuan serve --workers N`) add theirs up when
PROMETHEUS_MULTIPROC_DIR names an empty folder writable by all of them (prometheus-client's multiprocess
mode); without it each worker answers with its own counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "huikuan_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "huikuan_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ADMISSION_WAITS = Counter(
    "huikuan_admission_waits",
    "Requests that waited for a turn because as many as the database pool holds were in progress.",
)
ADMISSION_TURNED_AWAY = Counter(
    "huikuan_admission_turned_away",
    "Requests answered 503 (busy) after waiting for a turn longer than HUIKUAN_DB_POOL_TIMEOUT.",
)
JOB_RUNS = Counter(
    "huikuan_job_runs", "Runs of a periodic job, by job and outcome (ok, failed).", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "huikuan_job_duration_seconds",
    "Time a periodic job took, by job.",
    ["job"],
    buckets=(0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0),
)

UNMATCHED = "unmatched"  # the route label of an address that is no route (kept apart: any text may come)


class ReplicaState(Protocol):
    """The read replica as a scrape found it (services/health.ReplicaHealth): its lag, None when it did
    not answer."""

    @property
    def lag_seconds(self) -> float | None: ...


class _Replica(Collector):
    """The read replica as the scrape found it: answering or not, and its lag when it answered."""

    def __init__(self, lag_seconds: float | None) -> None:
        self.lag_seconds = lag_seconds

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = "1 when the read replica answered this scrape, 0 when not (its reads then go to the primary)."
        yield GaugeMetricFamily("huikuan_read_replica_up", up, value=0 if self.lag_seconds is None else 1)
        if self.lag_seconds is not None:
            lag = "How far the read replica's data are behind the primary's."
            yield GaugeMetricFamily("huikuan_read_replica_lag_seconds", lag, value=self.lag_seconds)


def exposition(replica: ReplicaState | None = None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type; with a read replica, its state as
    the scrape found it (`replica`)."""
    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    body = generate_latest(registry)
    if replica is not None:
        asked = CollectorRegistry(auto_describe=False)
        asked.register(_Replica(replica.lag_seconds))
        body += generate_latest(asked)
    return body, CONTENT_TYPE_LATEST
