"""Redis state of the gateway besides idempotency: who owns a task, and each caller's request schedule (GCRA)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import orjson
import redis.asyncio as aioredis

from gateway.errors import RateLimitedError
from shared.keys import gateway_task_key, rate_key

__all__ = ["CallerLimiter", "TaskRecord", "TaskRecords"]

# KEYS[1]=the caller's TAT, KEYS[2]=the tenant's TAT, optional KEYS[3]=a key to SET when allowed.
# ARGV: caller interval_us, caller tolerance_us, tenant interval_us, tenant tolerance_us[, value, ttl_s].
# Returns {caller wait_us, tenant wait_us}: both 0 when allowed (both schedules advanced, KEYS[3] written), else
# nothing is written. One atomic script: a request never takes a caller slot its tenant's quota then refuses.
_GCRA: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function wait(key, interval, tolerance)
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  return tat, math.max(tat - tolerance - now, 0)
end
local ctat, cwait = wait(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
local ttat, twait = wait(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4]))
if cwait > 0 or twait > 0 then return {cwait, twait} end
for i, tat in ipairs({ctat + tonumber(ARGV[1]), ttat + tonumber(ARGV[3])}) do
  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
end
if KEYS[3] then redis.call('SET', KEYS[3], ARGV[5], 'EX', tonumber(ARGV[6])) end
return {0, 0}
"""


@dataclass(frozen=True)
class TaskRecord:
    """What the gateway remembers of a task it sent (the result backend keeps no names: ``result_extended`` off)."""

    task_id: str
    name: str
    tenant: str
    caller: str
    correlation_id: str
    created_at: str


class TaskRecords:
    def __init__(self, client: aioredis.Redis[bytes], *, ttl_s: int) -> None:
        self.client = client
        self.ttl_s = ttl_s

    @staticmethod
    def key(task_id: str) -> str:
        return gateway_task_key(task_id)

    @staticmethod
    def encode(record: TaskRecord) -> bytes:
        return orjson.dumps(asdict(record))

    async def put(self, record: TaskRecord) -> None:
        await self.client.set(self.key(record.task_id), self.encode(record), ex=self.ttl_s)

    async def get(self, task_id: str) -> TaskRecord | None:
        raw = await self.client.get(gateway_task_key(task_id))
        if raw is None:
            return None
        data: dict[str, Any] = orjson.loads(raw)
        return TaskRecord(**data)

    async def delete(self, task_id: str) -> None:
        await self.client.delete(gateway_task_key(task_id))


class CallerLimiter:
    """Per caller (tenant + subject) ``rate`` requests per second with bursts of ``burst``, and per tenant a quota
    of ``tenant_rate`` / ``tenant_burst`` that all its callers share; both held across every gateway replica."""

    def __init__(
        self,
        client: aioredis.Redis[bytes],
        *,
        rate: float,
        burst: int,
        tenant_rate: float | None = None,
        tenant_burst: int | None = None,
    ) -> None:
        self.interval_us, self.tolerance_us = _schedule(rate, burst)
        self.tenant_interval_us, self.tenant_tolerance_us = _schedule(tenant_rate or rate, tenant_burst or burst)
        self.script = client.register_script(_GCRA)

    async def check(self, caller_key: str, *, then_set: tuple[str, bytes, int] | None = None) -> None:
        """Take one request slot of ``caller_key`` (``<tenant>/<subject>``) and of its tenant (429 when either has
        none free); with ``then_set=(key, value, ttl_s)`` the same round trip also writes that key, only when
        granted."""
        tenant = caller_key.split("/", 1)[0]
        keys = [f"{rate_key('gateway', 'caller')}:{caller_key}", f"{rate_key('gateway', 'tenant')}:{tenant}"]
        args: list[Any] = [self.interval_us, self.tolerance_us, self.tenant_interval_us, self.tenant_tolerance_us]
        if then_set is not None:
            keys.append(then_set[0])
            args.extend(then_set[1:])
        caller_wait, tenant_wait = (int(v) for v in await self.script(keys=keys, args=args))
        if tenant_wait > 0:
            raise RateLimitedError(f"tenant {tenant} is over its quota", retry_after=tenant_wait / 1_000_000)
        if caller_wait > 0:
            raise RateLimitedError(f"too many requests from {caller_key}", retry_after=caller_wait / 1_000_000)


def _schedule(rate: float, burst: int) -> tuple[int, int]:
    """GCRA emission interval and tolerance in microseconds."""
    interval = int(1_000_000 / rate)
    return interval, interval * (burst - 1)
