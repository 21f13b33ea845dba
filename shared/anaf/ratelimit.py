"""Cluster-wide limits in Redis: GCRA pacing (1 req/s registry, 1000/min api.anaf.ro) and daily caps.

Celery's ``rate_limit`` is per worker process, so every replica takes its slot from Redis instead.
``RateLimiter.acquire`` *reserves* the next free slot atomically (Lua, Redis server clock) and sleeps
until it, so callers are served in arrival order and the pace holds across processes and hosts.
``DailyQuota`` counts calls per subject (message id, CUI) per day, Romania time, as ANAF does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis

from shared.anaf.errors import AnafDailyLimitError, AnafRateLimitError, AnafTransportError

__all__ = ["RO_TZ", "DailyQuota", "RateLimiter", "seconds_until_ro_midnight"]

RO_TZ = ZoneInfo("Europe/Bucharest")

# GCRA with reservation. KEYS[1]=TAT key. ARGV: interval_us, tolerance_us, max_wait_us.
# Returns {granted (1|0), wait_us}. TIME is the Redis server clock, shared by all replicas.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
return {1, wait}
"""

# After a call completes: the next slot is no earlier than now + interval. KEYS[1]=TAT key. ARGV: interval_us.
_SPACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local next_slot = now + interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < next_slot then
  redis.call('SET', KEYS[1], string.format('%d', next_slot), 'PX', math.floor(interval / 1000) + 1000)
end
return 1
"""

# KEYS[1]=counter. ARGV: cap, ttl_s. Returns the count after this call, or -1 when the cap is spent.
_QUOTA = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return -1
end
return n
"""


def seconds_until_ro_midnight(now: datetime | None = None) -> float:
    """Seconds until the next midnight in Europe/Bucharest (when ANAF's daily counters reset)."""
    current = (now or datetime.now(RO_TZ)).astimezone(RO_TZ)
    tomorrow = (current + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return max(1.0, (tomorrow - current).total_seconds())


class RateLimiter:
    """At most ``rate`` calls per ``period`` seconds across the cluster, with bursts of up to ``burst``.

    The emission interval is ``period / (rate - burst + 1)``, so no window of ``period`` seconds ever sees
    more than ``rate`` calls even right after a burst.

    ``space_after_completion=True`` (the 1 req/s registry) also keeps a full interval between the *end* of
    one call and the start of the next (``completed()``): request start times on the wire then stay an
    interval apart even when a request leaves late (GIL, slow network), as the server measures them.
    """

    def __init__(
        self,
        client: redis.Redis[bytes],
        name: str,
        *,
        rate: int,
        period: float,
        burst: int = 1,
        max_wait: float = 30.0,
        namespace: str = "anaf",
        space_after_completion: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate < 1 or burst < 1 or burst > rate:
            raise ValueError("need 1 <= burst <= rate")
        self.name = name
        self.key = f"{namespace}:limit:{name}"
        self.interval = period / (rate - burst + 1)
        self.tolerance = self.interval * (burst - 1)
        self.max_wait = max_wait
        self._sleep = sleep
        self.space_after_completion = space_after_completion
        self._script: Any = client.register_script(_GCRA)
        self._space: Any = client.register_script(_SPACE)

    def reserve(self, max_wait: float | None = None) -> float:
        """Book the next slot and return the seconds to wait for it; raise if that is beyond ``max_wait``."""
        limit = self.max_wait if max_wait is None else max_wait
        try:
            granted, wait_us = self._script(
                keys=[self.key], args=[int(self.interval * 1e6), int(self.tolerance * 1e6), int(limit * 1e6)]
            )
        except redis.RedisError as exc:
            raise AnafTransportError(
                f"rate limiter unavailable: {exc}", request_sent=False, operation=self.name
            ) from exc
        wait = int(wait_us) / 1e6
        if not granted:
            raise AnafRateLimitError(
                f"no {self.name} slot within {limit:.1f}s", operation=self.name, retry_after=round(wait, 3)
            )
        return wait

    def acquire(self, max_wait: float | None = None) -> float:
        """Reserve a slot and sleep until it; returns the seconds slept."""
        wait = self.reserve(max_wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def completed(self) -> None:
        """Call when the request finished; with ``space_after_completion`` the next slot moves past it."""
        if not self.space_after_completion:
            return
        try:
            self._space(keys=[self.key], args=[int(self.interval * 1e6)])
        except redis.RedisError as exc:
            raise AnafTransportError(
                f"rate limiter unavailable: {exc}", request_sent=True, operation=self.name
            ) from exc


class DailyQuota:
    """A per-subject daily cap (Romania calendar day), e.g. 90 ``stareMesaj`` calls per upload index."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        name: str,
        *,
        cap: int,
        namespace: str = "anaf",
        clock: Callable[[], datetime] | None = None,
    ):
        self.name = name
        self._prefix = f"{namespace}:quota:{name}"
        self.cap = cap
        self._client = client
        self._clock = clock or (lambda: datetime.now(RO_TZ))
        self._script: Any = client.register_script(_QUOTA)

    def _key(self, subject: str) -> str:
        return f"{self._prefix}:{self._clock().astimezone(RO_TZ):%Y%m%d}:{subject}"

    def consume(self, subject: str) -> int:
        """Count one call for ``subject``; raise ``AnafDailyLimitError`` (nothing counted) when spent."""
        try:
            n = int(self._script(keys=[self._key(subject)], args=[self.cap, 2 * 86400]))
        except redis.RedisError as exc:
            raise AnafTransportError(
                f"quota store unavailable: {exc}", request_sent=False, operation=self.name
            ) from exc
        if n < 0:
            raise AnafDailyLimitError(
                f"daily cap of {self.cap} {self.name} calls reached for {subject}",
                operation=self.name,
                retry_after=seconds_until_ro_midnight(self._clock()),
            )
        return n

    def used(self, subject: str) -> int:
        value = self._client.get(self._key(subject))
        return int(value) if value else 0
