"""One GCRA rate limiter in Redis for every external API (ANAF, REGES, Slack): cluster-wide, with reservation.

Celery's ``rate_limit`` is per worker process; here every replica takes its slot from Redis, with the Redis
server's clock (``TIME``), so replicas with skewed clocks agree. The emission interval is
``period / (rate - burst + 1)``: no window of ``period`` seconds ever sees more than ``rate`` calls, even right
after a burst. Each ``subject`` (a channel, a CUI, or ``""`` for the whole API) has its own schedule.

Two ways to take a slot:

- ``reserve`` / ``acquire``: book the next free slot atomically and wait for it (callers are served in
  arrival order); refused with ``SlotUnavailable`` when the slot is further away than ``max_wait``.
- ``try_acquire``: take the slot only if it is free now; otherwise answer how long to wait *without* holding
  a slot (a task then retries with that countdown). Deferred callers get successive planned times from a
  second cursor, so a backlog drains at the configured pace instead of returning all at once.

``completed`` (for an API that measures the gap between calls, like ANAF's public registry) moves the next
slot a full interval past the end of the call; ``penalize`` keeps a subject closed for the seconds a server
asked (``Retry-After``). Redis failures raise ``RateLimiterUnavailable``; nothing is sent without a slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from shared.errors import TransientError

__all__ = ["GcraLimiter", "RateLimiterUnavailable", "SlotUnavailable"]

# KEYS[1]=TAT. ARGV: interval_us, tolerance_us, max_wait_us. Returns {granted (1|0), wait_us}.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
return {1, wait}
"""

# KEYS[1]=TAT, KEYS[2]=plan cursor. ARGV: interval_us, tolerance_us. Returns 0 (slot taken) or wait_us.
_TRY = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - tolerance <= now then
  local new_tat = tat + interval
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
  return 0
end
local plan = tonumber(redis.call('GET', KEYS[2]) or '0')
if plan < tat then plan = tat end
redis.call('SET', KEYS[2], string.format('%d', plan + interval), 'PX', math.floor((plan + interval - now) / 1000) + 1000)
return plan - tolerance - now
"""

# KEYS[1]=TAT. ARGV: gap_us. The next slot is no earlier than now + gap.
_PUSH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_us = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < until_us then
  redis.call('SET', KEYS[1], string.format('%d', until_us), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 1
"""


class RateLimiterUnavailable(TransientError):
    """The limiter's store (Redis) cannot be reached: nothing is sent without a slot."""

    code = "rate_limiter_unavailable"


class SlotUnavailable(TransientError):
    """No slot within the caller's ``max_wait``; ``retry_after`` says when one frees up."""

    code = "rate_limited"


class GcraLimiter:
    """``rate`` calls per ``period`` seconds per subject, bursts of ``burst``, keyed under ``key`` in Redis."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        key: str,
        *,
        rate: float,
        period: float = 1.0,
        burst: int = 1,
        max_wait: float = 30.0,
        space_after_completion: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0 or burst < 1 or burst > max(rate, 1):
            raise ValueError("need rate > 0 and 1 <= burst <= rate")
        self.key = key
        self.interval = period / (rate - burst + 1)
        self.tolerance = self.interval * (burst - 1)
        self.max_wait = max_wait
        self.space_after_completion = space_after_completion
        self._sleep = sleep
        self._reserve: Any = client.register_script(_RESERVE)
        self._try: Any = client.register_script(_TRY)
        self._push: Any = client.register_script(_PUSH)

    def _tat(self, subject: str) -> str:
        return f"{self.key}:{subject}" if subject else self.key

    def _call(self, script: Any, keys: list[str], args: list[int]) -> Any:
        try:
            return script(keys=keys, args=args)
        except redis.RedisError as exc:
            raise RateLimiterUnavailable(f"rate limiter {self.key} unavailable: {exc}") from exc

    def reserve(self, subject: str = "", max_wait: float | None = None) -> float:
        """Book the next slot and return the seconds until it; ``SlotUnavailable`` if beyond ``max_wait``."""
        limit = self.max_wait if max_wait is None else max_wait
        args = [int(self.interval * 1e6), int(self.tolerance * 1e6), int(limit * 1e6)]
        granted, wait_us = self._call(self._reserve, [self._tat(subject)], args)
        wait = int(wait_us) / 1e6
        if not granted:
            raise SlotUnavailable(f"no {self.key} slot within {limit:.1f}s", retry_after=round(wait, 3))
        return wait

    def acquire(self, subject: str = "", max_wait: float | None = None) -> float:
        """Reserve a slot and sleep until it; returns the seconds slept."""
        wait = self.reserve(subject, max_wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def try_acquire(self, subject: str = "") -> float:
        """0.0 when the call may go now (the slot is taken); else the seconds to wait, no slot held."""
        tat = self._tat(subject)
        wait_us = self._call(self._try, [tat, tat + ":plan"], [int(self.interval * 1e6), int(self.tolerance * 1e6)])
        return max(0.0, int(wait_us) / 1e6)

    def completed(self, subject: str = "") -> None:
        """The call finished; with ``space_after_completion`` the next slot is a full interval after now."""
        if self.space_after_completion:
            self._call(self._push, [self._tat(subject)], [int(self.interval * 1e6)])

    def penalize(self, subject: str, seconds: float) -> None:
        """Nobody takes a slot of ``subject`` for ``seconds`` (a server's ``Retry-After``)."""
        self._call(self._push, [self._tat(subject)], [int(seconds * 1e6)])
