"""The token bucket of a rate limit: a burst of ten seconds' worth, then one request per 60/rate
seconds, each client on its own; the time to wait is what the 429's Retry-After says."""

from __future__ import annotations

from huikuan.web.ratelimit import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_request_per_interval() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=60, clock=clock)  # one a second, bursts of ten
    assert [buckets.take("a") for _ in range(10)] == [0.0] * 10
    assert buckets.take("a") == 1.0
    clock.now += 1.0
    assert buckets.take("a") == 0.0
    assert buckets.take("a") == 1.0


def test_each_client_has_its_own_bucket() -> None:
    buckets = TokenBuckets(per_minute=6, clock=Clock())
    assert buckets.take("a") == 0.0 and buckets.take("a") == 10.0
    assert buckets.take("b") == 0.0


def test_a_quiet_client_is_full_again_and_forgotten_when_room_is_needed(monkeypatch) -> None:
    from huikuan.web import ratelimit

    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 2)
    clock = Clock()
    buckets = TokenBuckets(per_minute=6, clock=clock)
    buckets.take("a")
    buckets.take("b")
    clock.now += 60
    buckets.take("c")
    assert set(buckets._buckets) == {"c"}
