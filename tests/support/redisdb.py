"""Redis DBs locked per owner: a session, a suite or a bench takes a DB (1-15) nobody else uses meanwhile.

The registry's and the platform's key names are fixed (``wrk:*``), and the registry suites wipe them in their
DB; a DB picked at random could be someone else's (another suite of the same session, a parallel session or
a bench) and lose its keys under it. The lock is ``SET NX EX`` on DB 0, released on exit.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

__all__ = ["LOCK_PREFIX", "REDIS_BASE", "locked_redis_db", "wipe"]

REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
LOCK_PREFIX = "workers-core:test-lock:registry-redis-db:"


def wipe(url: str) -> None:
    """Delete the platform's keys in our own locked DB (never FLUSHDB/FLUSHALL)."""
    client = redis.Redis.from_url(url)
    batch = list(client.scan_iter(match="wrk:*", count=1000))
    if batch:
        client.delete(*batch)
    client.close()


@contextmanager
def locked_redis_db(owner: str, *, ttl: int, who: str) -> Iterator[str]:
    """A Redis DB (1-15, random order) locked by ``owner`` for at most ``ttl`` s, wiped before and after."""
    admin = redis.Redis.from_url(f"{REDIS_BASE}/0")
    numbers = random.sample(range(1, 16), 15)
    chosen = next((n for n in numbers if admin.set(f"{LOCK_PREFIX}{n}", owner, nx=True, ex=ttl)), None)
    if chosen is None:
        pytest.fail(f"no free Redis DB for {who} (all 15 locked)")
    url = f"{REDIS_BASE}/{chosen}"
    wipe(url)
    try:
        yield url
    finally:
        wipe(url)
        if admin.get(f"{LOCK_PREFIX}{chosen}") == owner.encode():
            admin.delete(f"{LOCK_PREFIX}{chosen}")
        admin.close()
