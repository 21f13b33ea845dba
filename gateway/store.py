"""Redis state of the gateway besides idempotency: who owns a task, and each caller's request schedule (GCRA)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import orjson
import redis.asyncio as aioredis

from gateway.errors import RateLimitedError
from shared.keys import gateway_task_key, rate_key

__all__ = ["CallerLimiter", "TaskRecord", "TaskRecords"]

# KEYS[1]=TAT, optional KEYS[2]=a key to SET when allowed. ARGV: interval_us, tolerance_us[, value, ttl_s].
# Returns 0 (allowed; KEYS[2] written) or the wait in microseconds (nothing written).
_GCRA: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - tolerance > now then return tat - tolerance - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1000)
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[3], 'EX', tonumber(ARGV[4])) end
return 0
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
    """``rate`` requests per second per caller with bursts of ``burst``, shared by every gateway replica."""

    def __init__(self, client: aioredis.Redis[bytes], *, rate: float, burst: int) -> None:
        self.interval_us = int(1_000_000 / rate)
        self.tolerance_us = self.interval_us * (burst - 1)
        self.script = client.register_script(_GCRA)

    async def check(self, caller_key: str, *, then_set: tuple[str, bytes, int] | None = None) -> None:
        """Take one request slot of ``caller_key`` (429 when none is free); with ``then_set=(key, value, ttl_s)``
        the same round trip also writes that key, only when the slot was granted."""
        keys = [f"{rate_key('gateway', 'caller')}:{caller_key}"]
        args: list[Any] = [self.interval_us, self.tolerance_us]
        if then_set is not None:
            keys.append(then_set[0])
            args.extend(then_set[1:])
        wait_us = int(await self.script(keys=keys, args=args))
        if wait_us > 0:
            raise RateLimitedError(f"too many requests from {caller_key}", retry_after=wait_us / 1_000_000)
