"""Redis hot store: status/metrics hashes per tag, write-behind queue and ``wrk:events``, via Lua scripts.

Values are JSON (orjson: decoding 2,000 records per list is on the read path). Each write is one
atomic script (one round trip): it merges the new record with the stored one,
refreshes the TTLs, marks the instance dirty for the SQL flush and, when the status changed,
publishes the event with the next sequence number. Records are JSON with epoch-second floats.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from redis.asyncio import Redis

from shared import keys

__all__ = ["Applied", "HotStore", "TagData", "event_envelope", "new_id"]

_APPLY = """
local rec = cjson.decode(ARGV[2])
local old_raw = redis.call('HGET', KEYS[1], ARGV[1])
local previous = false
if old_raw then
  local old = cjson.decode(old_raw)
  previous = old.status
  rec.id = old.id
  if ARGV[11] == 'heartbeat' then
    rec.registered_at = old.registered_at
    rec.scrape_failures = old.scrape_failures
    rec.last_scrape_at = old.last_scrape_at
    if old.status == 'error' and old.scrape_failures >= tonumber(ARGV[10]) then
      rec.status = 'error'
      rec.reason = old.reason
    end
  end
  if previous == rec.status then
    rec.status_since = old.status_since
    if ARGV[11] == 'heartbeat' then rec.reason = old.reason end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[6])
redis.call('SADD', KEYS[4], ARGV[7])
if previous ~= rec.status or ARGV[11] == 'register' then
  local event = cjson.decode(ARGV[8])
  if ARGV[11] == 'register' or not previous then
    event.event = 'worker.registered'
  end
  event.seq = redis.call('INCR', KEYS[5])
  event.data.status = rec.status
  event.data.reason = rec.reason
  if previous then event.data.previous_status = previous else event.data.previous_status = cjson.null end
  redis.call('PUBLISH', ARGV[9], cjson.encode(event))
end
return {previous or '', rec.status}
"""

_TRANSITION = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'', ''} end
local rec = cjson.decode(raw)
if ARGV[2] ~= '' and rec.status ~= ARGV[2] then return {rec.status, rec.status} end
if ARGV[3] ~= '' and rec.last_seen ~= tonumber(ARGV[3]) then return {rec.status, rec.status} end
local previous = rec.status
rec.status = ARGV[4]
if ARGV[5] == '' then rec.reason = cjson.null else rec.reason = ARGV[5] end
if previous ~= rec.status then rec.status_since = tonumber(ARGV[6]) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('SADD', KEYS[2], ARGV[7])
return {previous, rec.status}
"""

_SCRAPE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'', ''} end
local rec = cjson.decode(raw)
local previous = rec.status
local now = tonumber(ARGV[3])
rec.last_scrape_at = now
if ARGV[2] == '1' then
  rec.scrape_failures = 0
  if rec.status == 'error' and rec.reason == 'scrape_failed' then
    if now - rec.last_seen <= tonumber(ARGV[5]) then
      if rec.consuming then rec.status = 'running' else rec.status = 'idle' end
      rec.reason = cjson.null
    end
  end
  redis.call('HSET', KEYS[3], ARGV[6], ARGV[7])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
else
  rec.scrape_failures = rec.scrape_failures + 1
  if rec.scrape_failures >= tonumber(ARGV[4]) and (rec.status == 'running' or rec.status == 'idle') then
    rec.status = 'error'
    rec.reason = 'scrape_failed'
  end
end
if previous ~= rec.status then rec.status_since = now end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('SADD', KEYS[2], ARGV[9])
return {previous, rec.status}
"""

_PUBLISH = """
local event = cjson.decode(ARGV[1])
event.seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[2], cjson.encode(event))
return event.seq
"""


_IDS = random.Random()  # noqa: S311 - record and event ids need uniqueness, not secrecy


def new_id() -> str:
    """A random UUID4 string without a syscall (``uuid.uuid4()`` reads os.urandom on every call)."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


def event_envelope(
    event: str, *, tag: str, instance_id: str | None, status: str | None, previous_status: str | None,
    reason: str | None, now: float,
) -> dict[str, Any]:
    """The ``wrk:events`` envelope (``seq`` is filled in by Redis when it is published)."""
    return {
        "event": event,
        "id": new_id(),
        "seq": 0,
        "occurred_at": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "source": "registry",
        "data": {
            "tag": tag,
            "instance_id": instance_id,
            "status": status,
            "previous_status": previous_status,
            "reason": reason,
        },
    }


@dataclass(frozen=True)
class Applied:
    """Outcome of a state write: the status before (``None`` when the instance was unknown) and after."""

    previous: str | None
    status: str

    @property
    def changed(self) -> bool:
        return self.previous != self.status


@dataclass
class TagData:
    """Everything Redis holds about one tag: status records, heartbeat metrics, scrapes, queue sample."""

    records: dict[str, dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    scrapes: dict[str, dict[str, Any]]
    queue: dict[str, Any] | None


def _decode(value: bytes | str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        data = orjson.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _applied(result: list[Any]) -> Applied:
    previous, status = (v.decode() if isinstance(v, bytes) else str(v) for v in result)
    return Applied(previous or None, status)


class HotStore:
    """Typed access to the registry's Redis keys (``shared.keys``)."""

    def __init__(self, redis: Redis[bytes]) -> None:
        self.redis = redis
        self._apply = redis.register_script(_APPLY)
        self._transition = redis.register_script(_TRANSITION)
        self._scrape = redis.register_script(_SCRAPE)
        self._publish = redis.register_script(_PUBLISH)

    async def apply(
        self, record: Mapping[str, Any], metrics: Mapping[str, Any], *, mode: Literal["register", "heartbeat"],
        scrape_threshold: int, now: float,
    ) -> Applied:
        """Write a registration or heartbeat; publishes ``worker.registered``/``worker.status_changed``."""
        tag, instance_id = record["tag"], record["instance_id"]
        event = event_envelope(
            "worker.status_changed", tag=tag, instance_id=instance_id, status=None, previous_status=None,
            reason=None, now=now,
        )
        result = await self._apply(
            keys=[keys.status_key(tag), keys.metrics_key(tag), keys.DIRTY_KEY, keys.TAGS_KEY, keys.SEQ_KEY],
            args=[
                instance_id, orjson.dumps(record), orjson.dumps(metrics), keys.STATUS_TTL_SECONDS,
                keys.METRICS_TTL_SECONDS, keys.dirty_member(tag, instance_id), tag, orjson.dumps(event),
                keys.EVENTS_CHANNEL, scrape_threshold, mode,
            ],
        )
        return _applied(result)

    async def transition(
        self, tag: str, instance_id: str, *, expected_status: str | None, expected_last_seen: float | None,
        status: str, reason: str | None, now: float,
    ) -> Applied | None:
        """Compare-and-set the status of a stored record; ``None`` when Redis has no record of it."""
        result = await self._transition(
            keys=[keys.status_key(tag), keys.DIRTY_KEY],
            args=[
                instance_id, expected_status or "", "" if expected_last_seen is None else repr(expected_last_seen),
                status, reason or "", now, keys.dirty_member(tag, instance_id),
            ],
        )
        applied = _applied(result)
        return None if applied.status == "" else applied

    async def record_scrape(
        self, tag: str, instance_id: str, *, ok: bool, sample: Mapping[str, Any] | None, now: float,
        failures_before_error: int, fresh_within: float,
    ) -> Applied | None:
        """Store a scrape outcome: resets or counts failures, flips to/from ``error``; ``None`` if unknown."""
        result = await self._scrape(
            keys=[keys.status_key(tag), keys.DIRTY_KEY, keys.metrics_key(tag)],
            args=[
                instance_id, "1" if ok else "0", now, failures_before_error, fresh_within,
                keys.scrape_field(instance_id), orjson.dumps(sample or {}), keys.METRICS_TTL_SECONDS,
                keys.dirty_member(tag, instance_id),
            ],
        )
        applied = _applied(result)
        return None if applied.status == "" else applied

    async def publish(self, event: Mapping[str, Any]) -> int:
        """Publish an event envelope on ``wrk:events`` with the next sequence number."""
        return int(await self._publish(keys=[keys.SEQ_KEY], args=[orjson.dumps(event), keys.EVENTS_CHANNEL]))

    async def tags(self) -> set[str]:
        members = await self.redis.smembers(keys.TAGS_KEY)
        return {m.decode() if isinstance(m, bytes) else m for m in members}

    async def read(self, tags: Iterable[str]) -> dict[str, TagData]:
        """Status records, metrics and the newest queue sample of each tag, in one pipeline."""
        tags = sorted(set(tags))
        pipe = self.redis.pipeline(transaction=False)
        for tag in tags:
            pipe.hgetall(keys.status_key(tag))
            pipe.hgetall(keys.metrics_key(tag))
            pipe.lindex(keys.queue_samples_key(tag), 0)
        raw = await pipe.execute()
        out: dict[str, TagData] = {}
        for i, tag in enumerate(tags):
            statuses, metrics, queue = raw[3 * i], raw[3 * i + 1], raw[3 * i + 2]
            data = TagData({}, {}, {}, _decode(queue))
            for field, value in statuses.items():
                record = _decode(value)
                if record is not None:
                    data.records[field.decode() if isinstance(field, bytes) else field] = record
            for field, value in metrics.items():
                name = field.decode() if isinstance(field, bytes) else field
                decoded = _decode(value)
                if decoded is None:
                    continue
                if name.endswith(keys.SCRAPE_FIELD_SUFFIX):
                    data.scrapes[name[: -len(keys.SCRAPE_FIELD_SUFFIX)]] = decoded
                else:
                    data.metrics[name] = decoded
            out[tag] = data
        return out

    async def pop_dirty(self, count: int) -> list[tuple[str, str]]:
        members = await self.redis.spop(keys.DIRTY_KEY, count)
        return [keys.parse_dirty_member(m.decode() if isinstance(m, bytes) else str(m)) for m in members or []]

    async def mark_dirty(self, items: Iterable[tuple[str, str]]) -> None:
        members = [keys.dirty_member(tag, inst) for tag, inst in items]
        if members:
            await self.redis.sadd(keys.DIRTY_KEY, *members)

    async def read_instances(
        self, items: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        """Record, heartbeat metrics and scrape of each (tag, instance) still in Redis."""
        items = list(items)
        pipe = self.redis.pipeline(transaction=False)
        for tag, inst in items:
            pipe.hget(keys.status_key(tag), inst)
            pipe.hmget(keys.metrics_key(tag), [inst, keys.scrape_field(inst)])
        raw = await pipe.execute()
        out: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {}
        for i, item in enumerate(items):
            record = _decode(raw[2 * i])
            if record is None:
                continue
            metrics, scrape = raw[2 * i + 1]
            out[item] = (record, _decode(metrics) or {}, _decode(scrape) or {})
        return out

    async def forget(self, items: Iterable[tuple[str, str]]) -> None:
        """Delete instances from the hashes and the flush queue (purge)."""
        pipe = self.redis.pipeline(transaction=False)
        for tag, inst in items:
            pipe.hdel(keys.status_key(tag), inst)
            pipe.hdel(keys.metrics_key(tag), inst, keys.scrape_field(inst))
            pipe.srem(keys.DIRTY_KEY, keys.dirty_member(tag, inst))
        await pipe.execute()

    async def forget_tag(self, tag: str) -> None:
        await self.redis.delete(
            keys.status_key(tag), keys.metrics_key(tag), keys.queue_samples_key(tag), keys.scaling_key(tag)
        )
        await self.redis.srem(keys.TAGS_KEY, tag)

    async def drop_tags(self, tags: Iterable[str]) -> None:
        """Remove tags from the tag set (when nothing is left of them anywhere)."""
        tags = list(tags)
        if tags:
            await self.redis.srem(keys.TAGS_KEY, *tags)

    async def push_queue_sample(self, tag: str, sample: Mapping[str, Any], keep: int = 64) -> None:
        key = keys.queue_samples_key(tag)
        pipe = self.redis.pipeline(transaction=False)
        pipe.lpush(key, orjson.dumps(sample))
        pipe.ltrim(key, 0, keep - 1)
        pipe.expire(key, keys.QUEUE_SAMPLES_TTL_SECONDS)
        await pipe.execute()

    async def queue_samples(self, tag: str) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(keys.queue_samples_key(tag), 0, -1)
        return [s for s in (_decode(r) for r in raw) if s is not None]

    async def scaling_state(self, tag: str) -> dict[str, Any] | None:
        return _decode(await self.redis.get(keys.scaling_key(tag)))

    async def save_scaling_state(self, tag: str, state: Mapping[str, Any]) -> None:
        await self.redis.set(keys.scaling_key(tag), orjson.dumps(state), ex=keys.SCALING_TTL_SECONDS)

    async def acquire(self, job: str, owner: str, ttl: float) -> bool:
        """Leader lock for one run of a periodic job (expires by itself)."""
        return bool(await self.redis.set(keys.lock_key(job), owner, nx=True, px=max(int(ttl * 1000), 1)))
