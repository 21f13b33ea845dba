"""WorkerRegistryService against real PostgreSQL and Redis, on a fake clock (failure windows without sleeping)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from registry import repository
from registry.db import Database
from registry.errors import NotFoundError
from registry.runtime import Runtime
from registry.schemas import HeartbeatPayload, TagHealthOut, WorkerListOut
from registry.service import WorkerRegistryService
from shared import keys
from tests.registry.helpers import FakeClock, payload, subscribe_events

pytestmark = pytest.mark.asyncio


def hb(instance_id: str = "ocr@host-1", **extra: Any) -> HeartbeatPayload:
    return HeartbeatPayload.model_validate(payload(instance_id, **extra))


def rows(rt: Runtime, tag: str | None = None) -> dict[str, dict[str, Any]]:
    return {r["instance_id"]: r for r in repository.load_rows(rt.db.engine, tag=tag)}


def redis_record(rt: Runtime, url: str, tag: str, instance_id: str) -> dict[str, Any] | None:
    client = redis.Redis.from_url(url)
    raw = client.hget(keys.status_key(tag), instance_id)
    client.close()
    return None if raw is None else json.loads(raw)


async def test_register_writes_through_and_heartbeat_stays_in_redis(runtime: Runtime, registry_redis_url: str) -> None:
    ack = await runtime.service.register("ocr", hb("ocr@a", health_endpoint="http://127.0.0.1:9801"))
    assert ack["status"] == "running" and ack["previous_status"] is None
    assert set(rows(runtime)) == {"ocr@a"}  # registration is durable at once

    ack = await runtime.service.heartbeat("ocr", hb("ocr@b", active_tasks=3, queue_size=2))
    assert ack["status"] == "running"
    assert set(rows(runtime)) == {"ocr@a"}  # the heartbeat did not touch SQL
    record = redis_record(runtime, registry_redis_url, "ocr", "ocr@b")
    assert record is not None and record["status"] == "running"

    client = redis.Redis.from_url(registry_redis_url)
    assert 0 < client.ttl(keys.status_key("ocr")) <= keys.STATUS_TTL_SECONDS
    assert 0 < client.ttl(keys.metrics_key("ocr")) <= keys.METRICS_TTL_SECONDS
    assert json.loads(client.hget(keys.metrics_key("ocr"), "ocr@b"))["active_tasks"] == 3
    client.close()

    assert await runtime.service.flush() == 2  # both are dirty (registration also marks its instance)
    stored = rows(runtime)
    assert set(stored) == {"ocr@a", "ocr@b"}
    assert stored["ocr@b"]["metrics"]["heartbeat"]["queue_size"] == 2
    assert stored["ocr@b"]["version"] == "1.2.3"
    assert await runtime.service.flush() == 0  # nothing dirty any more


async def test_status_follows_consuming_and_events_are_published(runtime: Runtime, registry_redis_url: str) -> None:
    with subscribe_events(registry_redis_url) as collect:
        await runtime.service.register("pdf.render", hb("pdf@1"))
        await runtime.service.heartbeat("pdf.render", hb("pdf@1"))  # no change: no event
        ack = await runtime.service.heartbeat("pdf.render", hb("pdf@1", consuming=False))
        assert ack["status"] == "idle" and ack["previous_status"] == "running"
        await runtime.service.heartbeat("pdf.render", hb("pdf@1", consuming=True))
        events = collect(0.5)
    assert [e["event"] for e in events] == ["worker.registered", "worker.status_changed", "worker.status_changed"]
    assert [e["data"]["status"] for e in events] == ["running", "idle", "running"]
    assert events[1]["data"]["previous_status"] == "running"
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert all(e["data"]["tag"] == "pdf.render" and e["occurred_at"].endswith("Z") for e in events)


async def test_missed_heartbeats_error_then_stopped_then_purged(
    runtime: Runtime, clock: FakeClock, registry_redis_url: str
) -> None:
    s = runtime.settings
    await runtime.service.register("ocr", hb("ocr@dead"))
    await runtime.service.register("ocr", hb("ocr@alive"))
    with subscribe_events(registry_redis_url) as collect:
        clock.advance(s.error_after - 1)
        await runtime.service.heartbeat("ocr", hb("ocr@alive"))
        assert await runtime.service.sweep() == {"error": 0, "stopped": 0, "removed": 0}

        clock.advance(2)  # ocr@dead: error_after + 1 without a heartbeat
        snap = await runtime.service.snapshot()
        assert {m.instance_id: m.status for m in snap.members()} == {"ocr@dead": "error", "ocr@alive": "running"}
        assert await runtime.service.sweep() == {"error": 1, "stopped": 0, "removed": 0}
        assert rows(runtime)["ocr@dead"]["status"] == "error"
        assert rows(runtime)["ocr@dead"]["reason"] == "heartbeat_missed"
        assert redis_record(runtime, registry_redis_url, "ocr", "ocr@dead")["status"] == "error"
        assert await runtime.service.sweep() == {"error": 0, "stopped": 0, "removed": 0}  # idempotent

        clock.advance(s.stop_after + 1)
        await runtime.service.heartbeat("ocr", hb("ocr@alive"))
        assert await runtime.service.sweep() == {"error": 0, "stopped": 1, "removed": 0}
        assert rows(runtime)["ocr@dead"]["status"] == "stopped"

        clock.advance(s.purge_after + 1)
        await runtime.service.heartbeat("ocr", hb("ocr@alive"))
        assert await runtime.service.sweep() == {"error": 0, "stopped": 0, "removed": 1}
        assert set(rows(runtime)) == {"ocr@alive"}
        assert redis_record(runtime, registry_redis_url, "ocr", "ocr@dead") is None
        events = collect(0.5)
    dead = [
        (e["event"], e["data"]["status"], e["data"]["reason"]) for e in events if e["data"]["instance_id"] == "ocr@dead"
    ]
    assert dead == [
        ("worker.status_changed", "error", "heartbeat_missed"),
        ("worker.status_changed", "stopped", "error_timeout"),
        ("worker.removed", None, "purged"),
    ]


async def test_a_heartbeat_brings_an_instance_in_error_back(runtime: Runtime, clock: FakeClock) -> None:
    await runtime.service.register("ocr", hb("ocr@x"))
    clock.advance(runtime.settings.error_after + 5)
    await runtime.service.sweep()
    assert rows(runtime)["ocr@x"]["status"] == "error"
    ack = await runtime.service.heartbeat("ocr", hb("ocr@x"))
    assert (ack["previous_status"], ack["status"]) == ("error", "running")
    await runtime.service.flush()
    assert rows(runtime)["ocr@x"]["status"] == "running"
    assert rows(runtime)["ocr@x"]["reason"] is None


async def test_sweep_works_from_sql_when_redis_lost_the_records(
    runtime: Runtime, clock: FakeClock, registry_redis_url: str
) -> None:
    await runtime.service.register("reges", hb("reges@1"))
    redis.Redis.from_url(registry_redis_url).delete(keys.status_key("reges"), keys.metrics_key("reges"))
    snap = await runtime.service.snapshot()
    assert [m.status for m in snap.members("reges")] == ["running"]  # served from SQL
    clock.advance(runtime.settings.error_after + 1)
    assert (await runtime.service.sweep())["error"] == 1
    assert rows(runtime)["reges@1"]["status"] == "error"


async def test_transition_is_compare_and_set(runtime: Runtime) -> None:
    await runtime.service.register("ocr", hb("ocr@cas"))
    snap = await runtime.service.snapshot("ocr")
    member = snap.members("ocr")[0]
    stale = await runtime.store.transition(
        "ocr",
        "ocr@cas",
        expected_status="running",
        expected_last_seen=member.last_seen - 1,
        status="error",
        reason="heartbeat_missed",
        now=member.last_seen,
    )
    assert stale is not None and not stale.changed  # a newer heartbeat wins over the sweeper
    wrong = await runtime.store.transition(
        "ocr",
        "ocr@cas",
        expected_status="idle",
        expected_last_seen=None,
        status="error",
        reason=None,
        now=member.last_seen,
    )
    assert wrong is not None and not wrong.changed
    ok = await runtime.store.transition(
        "ocr",
        "ocr@cas",
        expected_status="running",
        expected_last_seen=member.last_seen,
        status="error",
        reason="test",
        now=member.last_seen,
    )
    assert ok is not None and (ok.previous, ok.status) == ("running", "error")
    assert (
        await runtime.store.transition(
            "ocr", "ocr@none", expected_status=None, expected_last_seen=None, status="error", reason=None, now=0
        )
        is None
    )


async def test_unregister_marks_stopped_and_announces(runtime: Runtime, registry_redis_url: str) -> None:
    await runtime.service.register("email.send", hb("mail@1"))
    with subscribe_events(registry_redis_url) as collect:
        ack = await runtime.service.unregister("email.send", "mail@1")
        events = collect(0.4)
    assert (ack["previous_status"], ack["status"]) == ("running", "stopped")
    assert rows(runtime)["mail@1"]["status"] == "stopped"
    assert rows(runtime)["mail@1"]["reason"] == "unregistered"
    assert [(e["event"], e["data"]["previous_status"]) for e in events] == [("worker.unregistered", "running")]
    with pytest.raises(NotFoundError):
        await runtime.service.unregister("email.send", "mail@nobody")


async def test_unregister_from_sql_only(runtime: Runtime, registry_redis_url: str) -> None:
    await runtime.service.register("email.send", hb("mail@2"))
    redis.Redis.from_url(registry_redis_url).delete(keys.status_key("email.send"))
    ack = await runtime.service.unregister("email.send", "mail@2")
    assert ack["status"] == "stopped" and ack["previous_status"] == "running"
    assert rows(runtime)["mail@2"]["status"] == "stopped"


async def test_remove_tag(runtime: Runtime, registry_redis_url: str) -> None:
    await runtime.service.register("notify.slack", hb("slack@1"))
    await runtime.service.heartbeat("notify.slack", hb("slack@2"))
    assert await runtime.service.remove_tag("notify.slack") == 2
    assert rows(runtime, "notify.slack") == {}
    client = redis.Redis.from_url(registry_redis_url)
    assert not client.exists(keys.status_key("notify.slack"))
    assert b"notify.slack" not in client.smembers(keys.TAGS_KEY)
    client.close()
    with pytest.raises(NotFoundError):
        await runtime.service.remove_tag("notify.slack")
    with pytest.raises(NotFoundError):
        await runtime.service.get_workers("notify.slack")
    with pytest.raises(NotFoundError):
        await runtime.service.get_health("notify.slack")


async def test_lists_and_health(runtime: Runtime, clock: FakeClock) -> None:
    await runtime.service.register("ocr", hb("ocr@1", health_score=80, active_tasks=2))
    await runtime.service.register("ocr", hb("ocr@2", consuming=False))
    await runtime.service.register("anaf.efactura", hb("efactura@1"))
    everything = await runtime.service.list_workers()
    assert [t["tag"] for t in everything["tags"]] == ["anaf.efactura", "ocr"]
    assert everything["total_instances"] == 3
    WorkerListOut.model_validate(everything)  # the dicts are exactly the documented models
    idle = await runtime.service.list_workers(status="idle")
    assert [(t["tag"], [i["instance_id"] for i in t["instances"]]) for t in idle["tags"]] == [("ocr", ["ocr@2"])]
    ocr = await runtime.service.get_workers("ocr")
    agg = ocr["aggregate"]
    assert (agg["running"], agg["idle"], agg["alive"], agg["active_tasks"]) == (1, 1, 2, 2)
    health = await runtime.service.get_health("ocr")
    TagHealthOut.model_validate(health)
    scores = {i["instance_id"]: i["health_score"] for i in health["instances"]}
    assert scores == {"ocr@1": 96, "ocr@2": 100}  # W = 0.8 costs 0.2 x 0.2 = 4 points
    assert health["health_score"] == 98 and health["status"] == "healthy"
    clock.advance(runtime.settings.heartbeat_interval * 2)  # H decays past 1.5 x interval
    aged = await runtime.service.get_health("ocr")
    assert all(0 < i["health_score"] < 100 for i in aged["instances"])


async def test_flush_failure_keeps_instances_dirty(runtime: Runtime, registry_redis_url: str) -> None:
    await runtime.service.heartbeat("ocr", hb("ocr@flush"))
    broken = WorkerRegistryService(
        runtime.settings, db=Database("postgresql+psycopg://postgres@127.0.0.1:1/nothing"), store=runtime.store
    )
    with pytest.raises(Exception, match=r"connect|Connection"):
        await broken.flush()
    members = redis.Redis.from_url(registry_redis_url).smembers(keys.DIRTY_KEY)
    assert members == {keys.dirty_member("ocr", "ocr@flush").encode()}
    assert await runtime.service.flush() == 1
