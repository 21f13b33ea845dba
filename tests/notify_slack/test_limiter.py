"""The per-channel pace in the real Redis: shared by replicas, deferrals spread out, 429 penalties."""

from __future__ import annotations

import itertools
import time
import uuid

import pytest
import redis

from notify_slack.limiter import ChannelLimiter


@pytest.fixture
def ns() -> str:
    return f"slack-lim-{uuid.uuid4().hex[:8]}"


def test_burst_goes_then_deferrals_are_spread_over_future_slots(redis_conn: redis.Redis, ns: str) -> None:
    limiter = ChannelLimiter(redis_conn, rate=1.0, burst=2, namespace=ns)
    waits = [limiter.acquire("channel:alerte") for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert [round(w) for w in waits[2:]] == [1, 2, 3]


def test_two_replicas_share_one_bucket_per_channel(redis_conn: redis.Redis, ns: str) -> None:
    a = ChannelLimiter(redis_conn, rate=1.0, burst=1, namespace=ns)
    b = ChannelLimiter(redis_conn, rate=1.0, burst=1, namespace=ns)
    assert a.acquire("channel:alerte") == 0.0
    assert 0.9 < b.acquire("channel:alerte") <= 1.0
    assert b.acquire("channel:facturi") == 0.0  # another channel has its own pace


def test_sends_are_never_closer_than_the_pace(redis_conn: redis.Redis, ns: str) -> None:
    """Even when deferred messages all come back early, at most one per interval gets through."""
    limiter = ChannelLimiter(redis_conn, rate=20.0, burst=1, namespace=ns)
    sent: list[float] = []
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if limiter.acquire("c") == 0.0:
            sent.append(time.monotonic())
        time.sleep(0.005)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert 15 <= len(sent) <= 22
    assert min(gaps) >= 0.045


def test_penalty_after_slack_said_429(redis_conn: redis.Redis, ns: str) -> None:
    limiter = ChannelLimiter(redis_conn, rate=100.0, burst=1, namespace=ns)
    limiter.penalize("channel:alerte", 5.0)
    assert 4.5 < limiter.acquire("channel:alerte") <= 5.0
    assert limiter.acquire("channel:facturi") == 0.0
