"""How fast each SMS provider may be called: a token bucket per provider and process.

The defaults follow each provider's documentation: Tencent Cloud's SendSms accepts 3000 requests a second
per account; Twilio sends one segment a second from a US long code (short codes and Messaging Services
more: raise HUIKUAN_SMS_RATE_PER_SECOND to what the account was granted); Aliyun publishes no single
figure (its flow control is per account and per number), so 100 a second is a cautious start. The bucket
is per process: with several outbox workers, give each its share of the account's rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_RATE_PER_SECOND = {"generic": 50.0, "aliyun": 100.0, "tencent": 3000.0, "twilio": 1.0}


class TokenBucket:
    """`take()` waits until a call is allowed: at most `rate` a second on average, `burst` at once."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.tokens = self.burst
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Waits for one token; the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= 1.0
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self.sleep(wait)
        return wait


_buckets: dict[tuple[str, float], TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket(provider: str, rate: float | None) -> TokenBucket:
    """The process's bucket for the provider at this rate (kept across runs of the outbox job)."""
    per_second = rate or DEFAULT_RATE_PER_SECOND[provider]
    with _buckets_lock:
        key = (provider, per_second)
        if key not in _buckets:
            _buckets[key] = TokenBucket(per_second)
        return _buckets[key]


def per_run(provider: str, rate: float | None, seconds: float = 50.0) -> int:
    """How many messages one run of the outbox job hands to the provider: what the rate allows in a run
    of the once-a-minute job, so a backlog waits queued instead of overrunning the next run."""
    return max(1, int((rate or DEFAULT_RATE_PER_SECOND[provider]) * seconds))
