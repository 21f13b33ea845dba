"""Heartbeats that arrive together share one ``APPLY`` script call (``HotStore._drain``), against real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
import redis
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from registry.runtime import Runtime
from registry.schemas import HeartbeatPayload
from registry.store import APPLY_BATCH, HotStore
from shared import keys
from tests.registry.helpers import payload
from tests.support.faults import proxy_for, through
from tests.support.proxy import TcpProxy

pytestmark = pytest.mark.asyncio

TAGS = ["ocr", "pdf.render", "email.send"]


def hb(instance_id: str, **extra: object) -> HeartbeatPayload:
    return HeartbeatPayload.model_validate(payload(instance_id, **extra))


@pytest.fixture
def proxy(registry_redis_url: str) -> Iterator[TcpProxy]:
    p = proxy_for(registry_redis_url, TcpProxy)
    yield p
    p.close()


async def test_concurrent_heartbeats_share_script_calls_and_each_gets_its_own_answer(
    runtime: Runtime, registry_redis_url: str
) -> None:
    count = 3 * APPLY_BATCH + 7
    instances = [(TAGS[i % len(TAGS)], f"bench-{i}@host") for i in range(count)]
    calls_before = runtime.store.apply_calls
    acks = await asyncio.gather(*(runtime.service.heartbeat(tag, hb(inst)) for tag, inst in instances))
    calls = runtime.store.apply_calls - calls_before
    assert 4 <= calls < count // 10  # batched (at most APPLY_BATCH a call), not one call per heartbeat
    assert [(a["tag"], a["instance_id"], a["previous_status"], a["status"]) for a in acks] == [
        (tag, inst, None, "running") for tag, inst in instances
    ]
    client = redis.Redis.from_url(registry_redis_url)
    try:
        for tag in TAGS:
            stored = client.hgetall(keys.status_key(tag))
            assert {k.decode() for k in stored} == {inst for t, inst in instances if t == tag}
            assert all(json.loads(v)["tag"] == tag for v in stored.values())
        assert client.scard(keys.DIRTY_KEY) == count
    finally:
        client.close()


async def test_writes_of_one_instance_in_one_batch_apply_in_order(runtime: Runtime) -> None:
    await runtime.service.heartbeat("ocr", hb("ocr@a"))
    first, second, third = await asyncio.gather(
        runtime.service.heartbeat("ocr", hb("ocr@a", consuming=False)),
        runtime.service.heartbeat("ocr", hb("ocr@a", consuming=False)),
        runtime.service.heartbeat("ocr", hb("ocr@a", consuming=True)),
    )
    assert (first["previous_status"], first["status"]) == ("running", "idle")
    assert (second["previous_status"], second["status"]) == ("idle", "idle")
    assert (third["previous_status"], third["status"]) == ("idle", "running")


async def test_a_redis_failure_reaches_every_caller_of_the_batch_and_the_store_recovers(
    runtime: Runtime, proxy: TcpProxy
) -> None:
    client: Redis[bytes] = Redis.from_url(through(str(runtime.settings.redis_url.get_secret_value()), proxy))
    store = HotStore(client)
    service = runtime.service.__class__(runtime.settings, db=runtime.db, store=store, clock=runtime.clock)
    try:
        await service.heartbeat("ocr", hb("ocr@warm"))  # connection open, script loaded
        proxy.cut()
        results = await asyncio.gather(
            *(service.heartbeat("ocr", hb(f"ocr@{i}")) for i in range(20)), return_exceptions=True
        )
        assert all(isinstance(r, RedisConnectionError) for r in results), results
        proxy.restore()
        ack = await service.heartbeat("ocr", hb("ocr@after"))
        assert ack["previous_status"] is None and ack["status"] == "running"
    finally:
        await client.aclose()  # type: ignore[attr-defined]


async def test_a_flush_takes_what_was_dirty_when_it_began(runtime: Runtime) -> None:
    """Heartbeats during a flush wait for the next one: a fleet that re-dirties itself faster than the paced
    batches drain cannot keep one flush running forever."""
    await asyncio.gather(*(runtime.service.heartbeat("ocr", hb(f"ocr@old-{i}")) for i in range(250)))
    flush = asyncio.create_task(runtime.service.flush())
    fresh = 0
    while not flush.done():
        await runtime.service.heartbeat("ocr", hb(f"ocr@new-{fresh}"))
        fresh += 1
        await asyncio.sleep(0.002)
    assert fresh > 0
    assert await flush == 250
    assert await runtime.store.dirty_count() == fresh
    assert await runtime.service.flush() == fresh
