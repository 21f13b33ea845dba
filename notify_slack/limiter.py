"""Cluster-wide pace per Slack channel: a GCRA token bucket in Redis (one Lua call), shared by all replicas.

``acquire(channel, holder)`` either lets the message go now, or reserves the next free slot for it and
returns the wait; the task is then retried with that countdown (no sleeping in the worker) and, when it
comes back, uses its reservation (keyed by the message's idempotency key) instead of queueing again, so
a burst drains in order at the configured pace and no message is deferred forever. Time comes from
Redis (``TIME``), so replicas with skewed clocks agree. ``penalize`` pushes a channel back after Slack
answered 429, so every replica honours the ``Retry-After``.
"""

from __future__ import annotations

import hashlib

import redis

__all__ = ["ChannelLimiter"]

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = redis.call('GET', KEYS[2])
if slot then
  local wait = tonumber(slot) - now
  if wait <= tonumber(ARGV[4]) then
    redis.call('DEL', KEYS[2])
    return 0
  end
  return wait
end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat - tolerance
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
local wait = allow_at - now
if wait <= tonumber(ARGV[4]) then
  return 0
end
redis.call('SET', KEYS[2], allow_at, 'PX', wait + tonumber(ARGV[3]))
return wait
"""

_PENALIZE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < until_ms then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms
"""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class ChannelLimiter:
    """``rate`` messages per second per channel with bursts of ``burst``; reservations live ``reservation_ttl``."""

    def __init__(self, client: redis.Redis[bytes], *, rate: float, burst: int = 1, reservation_ttl: float = 600.0,
                 slack_ms: int = 30, namespace: str = "slack"):
        self._interval_ms = max(1, round(1000 / rate))
        self._tolerance_ms = self._interval_ms * (burst - 1)
        self._reservation_ttl_ms = int(reservation_ttl * 1000)
        self._slack_ms = slack_ms
        self._namespace = namespace
        self._acquire = client.register_script(_ACQUIRE)
        self._penalize = client.register_script(_PENALIZE)

    def _keys(self, channel: str, holder: str) -> list[str]:
        return [f"wrk:{self._namespace}:rate:{_digest(channel)}", f"wrk:{self._namespace}:slot:{_digest(channel + '|' + holder)}"]

    def acquire(self, channel: str, holder: str) -> float:
        """0.0 when ``holder`` may send now; else seconds until its reserved slot (retry then)."""
        wait_ms = self._acquire(
            keys=self._keys(channel, holder),
            args=[self._interval_ms, self._tolerance_ms, self._reservation_ttl_ms, self._slack_ms],
        )
        return max(0.0, float(wait_ms) / 1000.0)

    def penalize(self, channel: str, seconds: float) -> None:
        """Nobody sends to ``channel`` for ``seconds`` (Slack's Retry-After)."""
        self._penalize(keys=self._keys(channel, "")[:1], args=[int(seconds * 1000)])
