"""A claim whose ``SET NX`` timed out in a Redis stall, applied when Redis wakes up (issue 20 §2, found by the
Redis-stall scenario): its owner gave up before sending anything, so it must not block the key for the whole lock.

Before the fix the ghost claim carried the full lock (150 s for e-mail): after a 15 s stall two e-mails that were
never sent waited 135 s for it to expire. Now a claim lives for ``CLAIM_LEASE_S`` until ``hold`` extends it right
before the side effect.
"""

from __future__ import annotations

import uuid

import pytest
import redis

from shared.idempotency import CLAIM_LEASE_S, ClaimHeld, GuardUnavailable, IdempotencyGuard
from tests.support.faults import proxy_for, through, wait_until

LOCK_S = 150


def test_a_claim_applied_after_its_timeout_blocks_only_for_the_lease(redis_url: str, redis_client, tcp_proxy) -> None:
    proxy = proxy_for(redis_url, tcp_proxy)
    stalled = redis.Redis.from_url(through(redis_url, proxy), socket_timeout=0.5, socket_connect_timeout=0.5)
    namespace = f"ghost-{uuid.uuid4().hex[:8]}"
    ghost = IdempotencyGuard(stalled, namespace=namespace, lock_seconds=LOCK_S, ttl_seconds=600)
    stalled.ping()  # the connection is up before the stall
    proxy.stall()
    with pytest.raises(GuardUnavailable):
        ghost.claim("invoice-42")
    proxy.restore()  # Redis "wakes up" and runs the SET NX its client gave up on
    key = ghost.redis_key("invoice-42")
    assert wait_until(lambda: redis_client.exists(key) == 1, timeout=5), "the stalled SET NX never landed"
    retry = IdempotencyGuard(redis_client, namespace=namespace, lock_seconds=LOCK_S, ttl_seconds=600)
    with pytest.raises(ClaimHeld) as held:
        retry.claim("invoice-42")
    redis_client.delete(key)
    stalled.close()
    assert (held.value.retry_after or 0) <= CLAIM_LEASE_S < LOCK_S


def test_hold_extends_only_our_own_claim(redis_client) -> None:
    guard = IdempotencyGuard(
        redis_client, namespace=f"hold-{uuid.uuid4().hex[:8]}", lock_seconds=LOCK_S, ttl_seconds=600
    )
    mine = guard.claim("k")
    assert 0 < redis_client.pttl(mine.redis_key) <= CLAIM_LEASE_S * 1000
    guard.hold(mine)
    assert redis_client.pttl(mine.redis_key) > (LOCK_S - 5) * 1000
    redis_client.delete(mine.redis_key)
    with pytest.raises(ClaimHeld):  # the lease lapsed (deleted here): nothing may be done
        guard.hold(mine)
