"""The per-channel pace in the real Redis: shared by replicas, reservations honoured, 429 penalties."""

from __future__ import annotations

import uuid

import pytest
import redis

from notify_slack.limiter import ChannelLimiter


@pytest.fixture
def ns() -> str:
    return f"slack-lim-{uuid.uuid4().hex[:8]}"


def test_first_messages_go_then_slots_are_reserved_in_order(redis_conn: redis.Redis, ns: str) -> None:
    limiter = ChannelLimiter(redis_conn, rate=1.0, burst=2, namespace=ns)
    waits = [limiter.acquire("channel:alerte", f"m{i}") for i in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert [round(w) for w in waits[2:]] == [1, 2, 3]


def test_two_replicas_share_one_bucket_per_channel(redis_conn: redis.Redis, ns: str) -> None:
    a = ChannelLimiter(redis_conn, rate=1.0, burst=1, namespace=ns)
    b = ChannelLimiter(redis_conn, rate=1.0, burst=1, namespace=ns)
    assert a.acquire("channel:alerte", "m1") == 0.0
    assert 0.9 < b.acquire("channel:alerte", "m2") <= 1.0
    assert b.acquire("channel:facturi", "m3") == 0.0  # another channel has its own pace


def test_a_reservation_is_kept_by_its_holder(redis_conn: redis.Redis, ns: str) -> None:
    limiter = ChannelLimiter(redis_conn, rate=10.0, burst=1, namespace=ns)
    assert limiter.acquire("c", "first") == 0.0
    wait = limiter.acquire("c", "second")
    assert 0.05 < wait <= 0.1
    again = limiter.acquire("c", "second")  # asked again too early: same slot, not a new one
    assert again <= wait
    other = limiter.acquire("c", "third")
    assert 0.15 < other <= 0.2  # the slot after "second"'s
    import time

    time.sleep(wait + 0.01)
    assert limiter.acquire("c", "second") == 0.0  # the retry uses its reservation
    assert limiter.acquire("c", "third") > 0.0


def test_penalty_after_slack_said_429(redis_conn: redis.Redis, ns: str) -> None:
    limiter = ChannelLimiter(redis_conn, rate=100.0, burst=1, namespace=ns)
    limiter.penalize("channel:alerte", 5.0)
    assert 4.5 < limiter.acquire("channel:alerte", "m") <= 5.0
