"""The per-channel pace (``shared.ratelimit.GcraLimiter`` via ``channel_pace``) in the real Redis: shared by
replicas, deferrals spread out, 429 penalties, keys under ``wrk:<namespace>:rate:``."""

from __future__ import annotations

import itertools
import time
import uuid

import pytest
import redis

from notify_slack.service import channel_pace


@pytest.fixture
def ns() -> str:
    return f"slack-lim-{uuid.uuid4().hex[:8]}"


def test_burst_goes_then_deferrals_are_spread_over_future_slots(redis_conn: redis.Redis, ns: str) -> None:
    limiter = channel_pace(redis_conn, rate=1.0, burst=2, namespace=ns)
    waits = [limiter.try_acquire("channel:alerte") for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert [round(w) for w in waits[2:]] == [1, 2, 3]


def test_two_replicas_share_one_bucket_per_channel(redis_conn: redis.Redis, ns: str) -> None:
    a = channel_pace(redis_conn, rate=1.0, burst=1, namespace=ns)
    b = channel_pace(redis_conn, rate=1.0, burst=1, namespace=ns)
    assert a.try_acquire("channel:alerte") == 0.0
    assert 0.9 < b.try_acquire("channel:alerte") <= 1.0
    assert b.try_acquire("channel:facturi") == 0.0  # another channel has its own pace


def test_sends_are_never_closer_than_the_pace(redis_conn: redis.Redis, ns: str) -> None:
    """Even when deferred messages all come back early, at most one per interval gets through."""
    limiter = channel_pace(redis_conn, rate=20.0, burst=1, namespace=ns)
    sent: list[float] = []
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if limiter.try_acquire("c") == 0.0:
            sent.append(time.monotonic())
        time.sleep(0.005)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert 15 <= len(sent) <= 22
    assert min(gaps) >= 0.045


def test_penalty_after_slack_said_429(redis_conn: redis.Redis, ns: str) -> None:
    limiter = channel_pace(redis_conn, rate=100.0, burst=1, namespace=ns)
    limiter.penalize("channel:alerte", 5.0)
    assert 4.5 < limiter.try_acquire("channel:alerte") <= 5.0
    assert limiter.try_acquire("channel:facturi") == 0.0


def test_slower_than_one_per_second_keeps_its_burst(redis_conn: redis.Redis, ns: str) -> None:
    limiter = channel_pace(redis_conn, rate=0.5, burst=2, namespace=ns)
    waits = [limiter.try_acquire("channel:rar") for _ in range(4)]
    assert waits[:2] == [0.0, 0.0]
    assert [round(w) for w in waits[2:]] == [2, 4]


def test_the_pace_lives_under_the_one_key_scheme(redis_conn: redis.Redis, ns: str) -> None:
    channel_pace(redis_conn, rate=1.0, burst=1, namespace=ns).try_acquire("channel:alerte")
    assert redis_conn.exists(f"wrk:{ns}:rate:post:channel:alerte") == 1
    assert [k.decode() for k in redis_conn.scan_iter(f"wrk:{ns}:*")] == [f"wrk:{ns}:rate:post:channel:alerte"]
