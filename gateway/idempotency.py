"""``Idempotency-Key``: one task per tenant + key + body within the window, race-safe with Redis ``SET NX``.

The first request claims the key (``pending``, with the body's SHA-256 and the task id it will publish),
publishes, then stores its 202 answer (``done``). A request with the same key and body replays that
answer; with another body it is refused (409 ``idempotency_key_reused``). A concurrent request with the
same key waits for the first one's answer (up to ``GATEWAY_IDEMPOTENCY_WAIT_S``); if the first one's
publish fails its claim is released and the waiting request claims the key itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import orjson
import redis.asyncio as aioredis

from gateway.errors import IdempotencyConflict
from shared.keys import gateway_idempotency_key

__all__ = ["IdempotencyStore", "Outcome", "body_digest"]

_POLL_S = 0.02


def body_digest(payload: Any) -> str:
    """SHA-256 of the canonical JSON of a body (sorted keys, no whitespace)."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """Either ``claimed`` (go ahead and publish under ``redis_key``) or a ``replay`` of the first answer."""

    redis_key: str
    claimed: bool
    replay: dict[str, Any] | None = None


class IdempotencyStore:
    def __init__(self, client: aioredis.Redis[bytes], *, ttl_s: int, wait_s: float) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.wait_s = wait_s

    async def claim(self, tenant: str, key: str, digest: str, task_id: str) -> Outcome:
        redis_key = gateway_idempotency_key(tenant, hashlib.sha256(key.encode()).hexdigest())
        mine = orjson.dumps({"body": digest, "state": "pending", "task_id": task_id})
        deadline = time.monotonic() + self.wait_s
        while True:
            if await self.client.set(redis_key, mine, nx=True, ex=self.ttl_s):
                return Outcome(redis_key, claimed=True)
            raw = await self.client.get(redis_key)
            if raw is not None:
                record = orjson.loads(raw)
                if record["body"] != digest:
                    raise IdempotencyConflict(
                        "this Idempotency-Key was used with a different body",
                        details={"task_id": record.get("task_id")},
                    )
                if record["state"] == "done":
                    return Outcome(redis_key, claimed=False, replay=record["answer"])
            if time.monotonic() > deadline:
                raise IdempotencyConflict(
                    "a request with this Idempotency-Key is still being processed; retry later",
                    code="idempotency_key_in_progress",
                )
            await asyncio.sleep(_POLL_S)

    async def complete(self, outcome: Outcome, digest: str, answer: dict[str, Any]) -> None:
        record = {"body": digest, "state": "done", "task_id": answer["task_id"], "answer": answer}
        await self.client.set(outcome.redis_key, orjson.dumps(record), ex=self.ttl_s)

    async def release(self, outcome: Outcome) -> None:
        """The publish failed: forget the claim so the caller (or a waiting request) may try again."""
        await self.client.delete(outcome.redis_key)
