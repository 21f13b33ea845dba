"""Cluster-wide pace per Slack channel: a GCRA token bucket in Redis (one Lua call), shared by all replicas.

``acquire(channel)`` returns 0 when the message may go now (the send is counted), else the seconds to
wait; the task is then retried with that countdown (no sleeping in the worker). Sends are gated by the
bucket itself, so two messages to a channel are never closer than the configured pace allows (after the
burst), whatever the retries' timing. Deferred messages are spread over successive future slots (a
second "plan" cursor), so a burst drains at about the configured pace instead of every deferred task
coming back at the same instant. Time comes from Redis (``TIME``), so replicas with skewed clocks agree.
``penalize`` pushes a channel back after Slack answered 429, so every replica honours ``Retry-After``.
"""

from __future__ import annotations

import hashlib

import redis

__all__ = ["ChannelLimiter"]

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - tolerance <= now then
  local new_tat = tat + interval
  redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
  return 0
end
local plan = tonumber(redis.call('GET', KEYS[2]) or '0')
if plan < tat then plan = tat end
redis.call('SET', KEYS[2], plan + interval, 'PX', plan + interval - now + 1000)
return plan - tolerance - now
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
    """``rate`` messages per second per channel, bursts of ``burst``, in Redis keys under ``wrk:<namespace>:``."""

    def __init__(self, client: redis.Redis[bytes], *, rate: float, burst: int = 1, namespace: str = "slack"):
        self._interval_ms = max(1, round(1000 / rate))
        self._tolerance_ms = self._interval_ms * (burst - 1)
        self._namespace = namespace
        self._acquire = client.register_script(_ACQUIRE)
        self._penalize = client.register_script(_PENALIZE)

    def _keys(self, channel: str) -> list[str]:
        digest = _digest(channel)
        return [f"wrk:{self._namespace}:rate:{digest}", f"wrk:{self._namespace}:plan:{digest}"]

    def acquire(self, channel: str) -> float:
        """0.0 when a message may go to ``channel`` now (and counts it); else seconds to wait before trying again."""
        wait_ms = self._acquire(keys=self._keys(channel), args=[self._interval_ms, self._tolerance_ms])
        return max(0.0, float(wait_ms) / 1000.0)

    def penalize(self, channel: str, seconds: float) -> None:
        """Nobody sends to ``channel`` for ``seconds`` (Slack's Retry-After)."""
        self._penalize(keys=self._keys(channel)[:1], args=[int(seconds * 1000)])
