"""Redis hot store: status/metrics hashes per tag, write-behind queue and ``wrk:events``, via Lua scripts.

Values are JSON (orjson: decoding 2,000 records per list is on the read path). Each write is one
atomic script (one round trip; heartbeats that arrive while one is in flight share the next): it merges the new
record with the stored one,
refreshes the TTLs, marks the instance dirty for the SQL flush and, when the status changed,
publishes the event with the next sequence number. Records are JSON with epoch-second floats.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from redis.asyncio import Redis

from registry import lua
from shared import keys

__all__ = ["Applied", "HotStore", "TagData", "event_envelope", "new_id"]

#: writes per ``APPLY`` script call at most (a call of 64 runs in ~1 ms in Redis)
APPLY_BATCH = 64

_IDS = random.Random()  # noqa: S311 - record and event ids need uniqueness, not secrecy


def new_id() -> str:
    """A random UUID4 string without a syscall (``uuid.uuid4()`` reads os.urandom on every call)."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


def event_envelope(
    event: str,
    *,
    tag: str,
    instance_id: str | None,
    status: str | None,
    previous_status: str | None,
    reason: str | None,
    now: float,
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


@dataclass(frozen=True)
class _Write:
    """A queued ``apply``: its two keys, its script argument (JSON) and the caller's future."""

    keys: tuple[str, str]
    item: bytes
    future: asyncio.Future[Applied]


def _fail(writes: Iterable[_Write], exc: BaseException) -> None:
    for w in writes:
        if not w.future.done():
            w.future.set_exception(exc)


def _applied(result: list[Any]) -> Applied:
    previous, status = (v.decode() if isinstance(v, bytes) else str(v) for v in result)
    return Applied(previous or None, status)


class HotStore:
    """Typed access to the registry's Redis keys (``shared.keys``)."""

    def __init__(self, redis: Redis[bytes]) -> None:
        self.redis = redis
        self._apply = redis.register_script(lua.APPLY)
        self._pending: list[_Write] = []
        self._drainer: asyncio.Task[None] | None = None
        #: ``APPLY`` script calls made so far (each carries up to ``APPLY_BATCH`` writes)
        self.apply_calls = 0
        self._transition = redis.register_script(lua.TRANSITION)
        self._scrape = redis.register_script(lua.SCRAPE)
        self._publish = redis.register_script(lua.PUBLISH)

    async def apply(
        self,
        record: Mapping[str, Any],
        metrics: Mapping[str, Any],
        *,
        mode: Literal["register", "heartbeat"],
        scrape_threshold: int,
        now: float,
    ) -> Applied:
        """Write a registration or heartbeat; publishes ``worker.registered``/``worker.status_changed``.

        Writes that arrive while a script call is in flight go together in the next one (``_drain``)."""
        tag, instance_id = record["tag"], record["instance_id"]
        event = event_envelope(
            "worker.status_changed",
            tag=tag,
            instance_id=instance_id,
            status=None,
            previous_status=None,
            reason=None,
            now=now,
        )
        item = {
            "instance": instance_id,
            "record": record,
            "metrics": orjson.dumps(metrics).decode(),  # stored as sent: Lua's cjson would round the floats
            "dirty": keys.dirty_member(tag, instance_id),
            "tag": tag,
            "event": event,
            "threshold": scrape_threshold,
            "mode": mode,
        }
        keys_ = (keys.status_key(tag), keys.metrics_key(tag))
        write = _Write(keys_, orjson.dumps(item), asyncio.get_running_loop().create_future())
        self._pending.append(write)
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return await write.future

    async def _drain(self) -> None:
        """Send the queued writes, up to ``APPLY_BATCH`` per script call, one call at a time, until none is left."""
        batch: list[_Write] = []
        try:
            while self._pending:
                batch, self._pending = self._pending[:APPLY_BATCH], self._pending[APPLY_BATCH:]
                self.apply_calls += 1
                try:
                    result = await self._apply(
                        keys=[keys.DIRTY_KEY, keys.TAGS_KEY, keys.SEQ_KEY, *(k for w in batch for k in w.keys)],
                        args=[
                            keys.STATUS_TTL_SECONDS,
                            keys.METRICS_TTL_SECONDS,
                            keys.EVENTS_CHANNEL,
                            *(w.item for w in batch),
                        ],
                    )
                except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                    _fail(batch, exc)
                    continue
                for i, w in enumerate(batch):
                    if not w.future.done():
                        w.future.set_result(_applied(result[2 * i : 2 * i + 2]))
        finally:
            self._drainer = None
            leftover, self._pending = [*batch, *self._pending], []
            _fail(leftover, RuntimeError("hot store write cancelled"))  # only when the drain itself was cancelled

    async def transition(
        self,
        tag: str,
        instance_id: str,
        *,
        expected_status: str | None,
        expected_last_seen: float | None,
        status: str,
        reason: str | None,
        now: float,
    ) -> Applied | None:
        """Compare-and-set the status of a stored record; ``None`` when Redis has no record of it."""
        result = await self._transition(
            keys=[keys.status_key(tag), keys.DIRTY_KEY],
            args=[
                instance_id,
                expected_status or "",
                "" if expected_last_seen is None else repr(expected_last_seen),
                status,
                reason or "",
                now,
                keys.dirty_member(tag, instance_id),
            ],
        )
        applied = _applied(result)
        return None if applied.status == "" else applied

    async def record_scrape(
        self,
        tag: str,
        instance_id: str,
        *,
        ok: bool,
        sample: Mapping[str, Any] | None,
        now: float,
        failures_before_error: int,
        fresh_within: float,
    ) -> Applied | None:
        """Store a scrape outcome: resets or counts failures, flips to/from ``error``; ``None`` if unknown."""
        result = await self._scrape(
            keys=[keys.status_key(tag), keys.DIRTY_KEY, keys.metrics_key(tag)],
            args=[
                instance_id,
                "1" if ok else "0",
                now,
                failures_before_error,
                fresh_within,
                keys.scrape_field(instance_id),
                orjson.dumps(sample or {}),
                keys.METRICS_TTL_SECONDS,
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

    async def dirty_count(self) -> int:
        return int(await self.redis.scard(keys.DIRTY_KEY))

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
