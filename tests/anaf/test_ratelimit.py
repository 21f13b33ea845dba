"""Cluster-wide limits against the real Redis: pacing across threads, bursts, max-wait refusal, daily caps."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from datetime import datetime

import pytest
import redis

from shared.anaf import RO_TZ, AnafDailyLimitError, AnafRateLimitError, DailyQuota, RateLimiter
from shared.anaf.ratelimit import seconds_until_ro_midnight


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_pacing_holds_across_threads(client: redis.Redis) -> None:
    """Ten callers in parallel through two limiter objects (two 'replicas'): one call per 0.1 s."""
    ns = uuid.uuid4().hex
    limiters = [RateLimiter(client, "t", rate=1, period=0.1, namespace=ns) for _ in range(2)]
    stamps: list[float] = []
    lock = threading.Lock()

    def call(i: int) -> None:
        limiters[i % 2].acquire()
        with lock:
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=call, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) > 0.05, gaps  # thread wake-up jitter; the slots themselves are 0.1 s apart
    assert stamps[-1] - stamps[0] >= 0.85


def test_burst_then_pace(client: redis.Redis) -> None:
    limiter = RateLimiter(client, "b", rate=10, period=1.0, burst=5, namespace=uuid.uuid4().hex)
    waits = [limiter.reserve() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    # after the burst the interval is period / (rate - burst + 1) = 1/6 s
    assert 0.1 < waits[5] <= 0.17 and 0.28 < waits[6] <= 0.34


def test_refuses_beyond_max_wait(client: redis.Redis) -> None:
    limiter = RateLimiter(client, "w", rate=1, period=10.0, max_wait=0.5, namespace=uuid.uuid4().hex)
    assert limiter.reserve() == 0.0
    with pytest.raises(AnafRateLimitError) as info:
        limiter.reserve()
    assert 9.0 < (info.value.retry_after or 0) <= 10.0
    assert info.value.retryable


def test_daily_quota(client: redis.Redis) -> None:
    quota = DailyQuota(client, "stare", cap=3, namespace=uuid.uuid4().hex)
    assert [quota.consume("5000000001") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(AnafDailyLimitError) as info:
        quota.consume("5000000001")
    assert info.value.retry_after and 0 < info.value.retry_after <= 86400 + 5
    assert quota.used("5000000001") == 3
    assert quota.consume("5000000002") == 1


def test_midnight_is_romanian() -> None:
    late = datetime(2026, 3, 10, 23, 59, 0, tzinfo=RO_TZ)
    assert 60 <= seconds_until_ro_midnight(late) <= 70
