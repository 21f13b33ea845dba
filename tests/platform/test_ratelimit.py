"""The one GCRA limiter against the real Redis: reservation across threads and replicas, bursts, max-wait refusal,
non-holding tries spread over future slots, penalties, and a Redis outage that sends nothing."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

import pytest
import redis

from shared.ratelimit import GcraLimiter, RateLimiterUnavailable, SlotUnavailable


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def _key() -> str:
    return f"wrk:test:rate:{uuid.uuid4().hex}"


def test_pacing_holds_across_threads(client: redis.Redis) -> None:
    """Ten callers in parallel through two limiter objects (two 'replicas'): one call per 0.1 s."""
    ns = uuid.uuid4().hex
    limiters = [GcraLimiter(client, f"wrk:{ns}:rate:t", rate=1, period=0.1) for _ in range(2)]
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
    limiter = GcraLimiter(client, f"wrk:{uuid.uuid4().hex}:rate:b", rate=10, period=1.0, burst=5)
    waits = [limiter.reserve() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    # after the burst the interval is period / (rate - burst + 1) = 1/6 s
    assert 0.1 < waits[5] <= 0.17 and 0.28 < waits[6] <= 0.34


def test_refuses_beyond_max_wait(client: redis.Redis) -> None:
    limiter = GcraLimiter(client, f"wrk:{uuid.uuid4().hex}:rate:w", rate=1, period=10.0, max_wait=0.5)
    assert limiter.reserve() == 0.0
    with pytest.raises(SlotUnavailable) as info:
        limiter.reserve()
    assert 9.0 < (info.value.retry_after or 0) <= 10.0
    assert info.value.retryable


def test_try_acquire_takes_a_free_slot_and_spreads_the_deferred(client: redis.Redis) -> None:
    """Slack's mode: a busy subject answers how long to wait without holding a slot; successive deferrals
    get successive future slots, so a burst drains at the pace instead of coming back all at once."""
    limiter = GcraLimiter(client, _key(), rate=1, period=1.0)
    assert limiter.try_acquire("C1") == 0.0
    waits = [limiter.try_acquire("C1") for _ in range(3)]
    assert 0.8 < waits[0] <= 1.0 and 1.8 < waits[1] <= 2.0 and 2.8 < waits[2] <= 3.0
    assert limiter.try_acquire("C2") == 0.0  # subjects are independent


def test_two_replicas_share_one_schedule_per_subject(client: redis.Redis) -> None:
    key = _key()
    a, b = GcraLimiter(client, key, rate=1, period=1.0), GcraLimiter(client, key, rate=1, period=1.0)
    assert a.try_acquire("C") == 0.0
    assert b.try_acquire("C") > 0.5


def test_penalty_closes_a_subject_for_the_servers_retry_after(client: redis.Redis) -> None:
    limiter = GcraLimiter(client, _key(), rate=10, period=1.0)
    limiter.penalize("C", 2.0)
    assert 1.8 < limiter.try_acquire("C") <= 2.1
    with pytest.raises(SlotUnavailable) as info:
        limiter.reserve("C", max_wait=0.5)
    assert 1.5 < (info.value.retry_after or 0) <= 2.1


def test_space_after_completion_keeps_a_full_interval_after_a_slow_call(client: redis.Redis) -> None:
    limiter = GcraLimiter(client, _key(), rate=1, period=0.5, space_after_completion=True)
    assert limiter.reserve() == 0.0
    time.sleep(0.4)  # the call took most of the interval
    limiter.completed()
    assert 0.4 < limiter.reserve() <= 0.5  # counted from the end of the call, not its start


def test_redis_down_sends_nothing(redis_url: str) -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    limiter = GcraLimiter(dead, _key(), rate=1)
    with pytest.raises(RateLimiterUnavailable):
        limiter.acquire()
    with pytest.raises(RateLimiterUnavailable):
        limiter.try_acquire("C")
