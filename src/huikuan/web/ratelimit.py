"""A token bucket per client: at most `per_minute` requests a minute on average, in bursts of at most ten
seconds' worth. In memory, so the limit is per process: with `huikuan serve --workers N` a client may
make N times as many requests (docs/security.md says so).

Not thread-safe by design: it is used from the event loop only (an async dependency)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

BURST_S = 10.0  # a full bucket holds this many seconds' worth of requests
MAX_CLIENTS = 10_000  # past this many buckets, the full ones (clients gone quiet) are forgotten


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """`take(client)` spends one token of the client's bucket: 0 when allowed, else the seconds to wait."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_per_s = per_minute / 60.0
        self.capacity = max(1.0, math.ceil(self.rate_per_s * BURST_S))
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, client: str) -> float:
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= MAX_CLIENTS:
                self._forget_full(now)
            bucket = self._buckets[client] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate_per_s)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate_per_s

    def _forget_full(self, now: float) -> None:
        for client, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.at) * self.rate_per_s >= self.capacity:
                del self._buckets[client]
