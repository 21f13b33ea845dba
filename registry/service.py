"""``WorkerRegistryService``: register, heartbeat, list, health, remove, plus the write-behind flush and sweep.

Heartbeats touch Redis only (one Lua round trip); a periodic ``flush`` writes dirty instances to SQL in
batches, and ``sweep`` applies the failure-detection windows (running/idle -> error -> stopped ->
removed), persisting each change and publishing it on ``wrk:events``. Registrations and
unregistrations are written through to SQL at once (rare, and worth keeping).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import structlog

from registry import repository
from registry.config import RegistrySettings
from registry.db import Database
from registry.errors import NotFoundError
from registry.models import WorkerState
from registry.records import heartbeat_record, sql_row
from registry.schemas import HeartbeatPayload
from registry.scoring import FORMULA
from registry.snapshot import Member, Snapshot, from_epoch
from registry.store import Applied, HotStore, event_envelope

__all__ = ["WorkerRegistryService", "pause_after"]

log = structlog.get_logger(__name__)

FLUSH_BATCH = 100
#: longest pause a background job takes between two increments (see ``pause_after``)
MAX_PAUSE_S = 0.05


async def pause_after(started: float) -> None:
    """Measured pause of a background job: after an increment that began at ``started`` (``perf_counter``),
    leave the event loop to requests for as long as the increment took (at most ``MAX_PAUSE_S``), so a job
    never holds more than half of the loop (or of the GIL, when its SQL ran in a thread) while it runs."""
    await anyio.sleep(min(time.perf_counter() - started, MAX_PAUSE_S))


class WorkerRegistryService:
    """The registry's use cases over the Redis hot store and the SQL database (no web framework here)."""

    def __init__(
        self, settings: RegistrySettings, *, db: Database, store: HotStore, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.db = db
        self.store = store
        self.clock = clock

    # writes from workers ---------------------------------------------------------------------------
    async def register(self, tag: str, payload: HeartbeatPayload, *, peer: str | None = None) -> dict[str, Any]:
        """registerWorker: a (re)started instance; resets failure counters, written through to SQL.

        ``peer`` is the connecting address, kept so the health-check job only scrapes where the worker is.
        """
        now = self.clock()
        record, metrics = heartbeat_record(tag, payload, now, peer)
        applied = await self.store.apply(
            record, metrics, mode="register", scrape_threshold=self.settings.scrape_failures_before_error, now=now
        )
        stored = await self.store.read_instances([(tag, payload.instance_id)])
        if (tag, payload.instance_id) in stored:
            rec, hb, scrape = stored[(tag, payload.instance_id)]
            await anyio.to_thread.run_sync(
                lambda: repository.upsert_rows(self.db.engine, [sql_row(rec, hb, scrape, now)])
            )
        log.info("worker registered", tag=tag, instance_id=payload.instance_id, version=payload.version)
        return self._ack(tag, payload.instance_id, applied, now)

    async def heartbeat(self, tag: str, payload: HeartbeatPayload, *, peer: str | None = None) -> dict[str, Any]:
        """updateHeartbeat: Redis only; an unknown instance is registered implicitly (``peer`` as in register)."""
        now = self.clock()
        record, metrics = heartbeat_record(tag, payload, now, peer)
        applied = await self.store.apply(
            record, metrics, mode="heartbeat", scrape_threshold=self.settings.scrape_failures_before_error, now=now
        )
        if applied.previous is None:
            log.info("worker registered by its first heartbeat", tag=tag, instance_id=payload.instance_id)
        elif applied.changed:
            log.info(
                "worker status changed",
                tag=tag,
                instance_id=payload.instance_id,
                previous=applied.previous,
                status=applied.status,
            )
        return self._ack(tag, payload.instance_id, applied, now)

    async def unregister(self, tag: str, instance_id: str) -> dict[str, Any]:
        """Graceful shutdown: the instance becomes ``stopped`` (kept visible until purged)."""
        now = self.clock()
        applied = await self.store.transition(
            tag,
            instance_id,
            expected_status=None,
            expected_last_seen=None,
            status=WorkerState.STOPPED,
            reason="unregistered",
            now=now,
        )
        previous = applied.previous if applied is not None else None
        if applied is None:
            rows = await anyio.to_thread.run_sync(lambda: repository.load_rows(self.db.engine, tag=tag))
            row = next((r for r in rows if r["instance_id"] == instance_id), None)
            if row is None:
                raise NotFoundError(f"no instance {instance_id!r} of worker tag {tag!r}")
            previous = row["status"]
        at = datetime.fromtimestamp(now, UTC)
        since = at if previous != WorkerState.STOPPED else None
        await anyio.to_thread.run_sync(
            lambda: repository.set_status(
                self.db.engine,
                tag=tag,
                instance_id=instance_id,
                status=WorkerState.STOPPED,
                reason="unregistered",
                since=since or at,
                updated_at=at,
            )
        )
        await self.store.publish(
            event_envelope(
                "worker.unregistered",
                tag=tag,
                instance_id=instance_id,
                status=WorkerState.STOPPED,
                previous_status=previous,
                reason="unregistered",
                now=now,
            )
        )
        log.info("worker unregistered", tag=tag, instance_id=instance_id)
        return self._ack(tag, instance_id, Applied(previous, WorkerState.STOPPED), now)

    # admin -----------------------------------------------------------------------------------------
    async def remove_tag(self, tag: str) -> int:
        """removeWorker: forget a tag and all its instances (live ones re-register on their next beat)."""
        snap = await self.snapshot(tag)
        members = snap.members(tag)
        if not members:
            raise NotFoundError(f"no worker tag {tag!r}")
        await anyio.to_thread.run_sync(lambda: repository.delete_tag(self.db.engine, tag))
        await self.store.forget_tag(tag)
        await self.store.publish(
            event_envelope(
                "worker.removed",
                tag=tag,
                instance_id=None,
                status=None,
                previous_status=None,
                reason="admin",
                now=snap.now,
            )
        )
        log.info("worker tag removed", tag=tag, instances=len(members))
        return len(members)

    # reads -----------------------------------------------------------------------------------------
    async def snapshot(self, tag: str | None = None) -> Snapshot:
        """Every instance (or those of ``tag``), merged from SQL and Redis, evaluated at now.

        SQL is asked for keys first; full rows are loaded only for instances Redis lacks (or holds an
        older version of), so a read costs little SQL while the fleet is heartbeating.
        """
        keyed = await anyio.to_thread.run_sync(lambda: repository.load_keys(self.db.engine, tag=tag))
        tags = {k[0] for k in keyed} | await self.store.tags() if tag is None else {tag}
        hot = await self.store.read(tags)
        missing = []
        for t, inst, _, last_seen in keyed:
            data = hot.get(t)
            record = data.records.get(inst) if data is not None else None
            if record is None or float(record.get("last_seen") or 0) < last_seen.timestamp():
                missing.append((t, inst))
        rows: list[dict[str, Any]] = []
        if missing:
            rows = await anyio.to_thread.run_sync(lambda: repository.load_rows(self.db.engine, tag=tag, keys=missing))
        ids = {(t, inst): row_id for t, inst, row_id, _ in keyed}
        return Snapshot(self.settings, self.clock(), rows, hot, ids)

    async def list_workers(self, *, status: WorkerState | None = None) -> dict[str, Any]:
        """getWorkers: every tag with its aggregate and instances (optionally only those in ``status``);
        shaped like ``schemas.WorkerListOut``."""
        snap = await self.snapshot()
        wanted = None if status is None else WorkerState(status).value
        tags = [snap.tag(tag, status=wanted) for tag in sorted(snap.by_tag)]
        if wanted is not None:
            tags = [t for t in tags if t["instances"]]
        return {
            "generated_at": snap.generated_at,
            "total_instances": sum(len(t["instances"]) for t in tags),
            "tags": tags,
        }

    async def get_workers(self, tag: str) -> dict[str, Any]:
        """One tag (``schemas.WorkerTagOut``)."""
        snap = await self.snapshot(tag)
        if not snap.by_tag.get(tag):
            raise NotFoundError(f"no worker tag {tag!r}")
        return snap.tag(tag)

    async def get_health(self, tag: str) -> dict[str, Any]:
        """getWorkerHealth: aggregate and per-instance scores with their factors (``schemas.TagHealthOut``)."""
        snap = await self.snapshot(tag)
        if not snap.by_tag.get(tag):
            raise NotFoundError(f"no worker tag {tag!r}")
        agg = snap.aggregate(tag)
        return {
            "tag": tag,
            "health_score": agg["health_score"],
            "status": agg["status"],
            "formula": FORMULA,
            "instances": snap.health(tag),
        }

    # background ------------------------------------------------------------------------------------
    async def flush(self) -> int:
        """Write-behind: persist dirty instances from Redis to SQL in batches; returns rows written.

        Batches are small with a measured pause between them (``pause_after``), so a flush of a large fleet
        never holds heartbeats back for more than a few milliseconds at a time. A flush takes as many
        instances as were dirty when it began: those that heartbeat meanwhile wait for the next flush (a fleet
        that re-dirties itself faster than the paced batches drain would otherwise keep one flush running).
        """
        written, budget = 0, await self.store.dirty_count()
        while budget > 0:
            started = time.perf_counter()
            items = await self.store.pop_dirty(min(FLUSH_BATCH, budget))
            budget -= FLUSH_BATCH
            if not items:
                return written
            stored = await self.store.read_instances(items)
            now = self.clock()
            rows = [sql_row(rec, hb, scrape, now) for rec, hb, scrape in stored.values()]
            try:
                await anyio.to_thread.run_sync(functools.partial(repository.upsert_rows, self.db.engine, rows))
            except Exception:
                await self.store.mark_dirty(items)
                raise
            written += len(rows)
            if len(items) < FLUSH_BATCH or budget <= 0:
                return written
            await pause_after(started)
        return written

    async def sweep(self) -> dict[str, int]:
        """Failure detection: persist and announce evaluated status changes, purge long-stopped instances.

        Works tag by tag (a small snapshot each, with a measured pause in between: ``pause_after``)."""
        await self.flush()
        counts = {"error": 0, "stopped": 0, "removed": 0}
        for tag in sorted(await self.tags()):
            started = time.perf_counter()
            await self._sweep_tag(tag, counts)
            await pause_after(started)
        if counts["error"] or counts["stopped"]:
            await self.flush()  # persist the transitions made in Redis now, not at the next flush
        return counts

    async def tags(self) -> set[str]:
        """Every tag known to SQL or Redis."""
        stored = await anyio.to_thread.run_sync(lambda: repository.load_tags(self.db.engine))
        return set(stored) | await self.store.tags()

    async def _sweep_tag(self, tag: str, counts: dict[str, int]) -> None:
        snap = await self.snapshot(tag)
        purge: list[Member] = []
        for m in snap.members(tag):
            if m.evaluated.purge:
                purge.append(m)
            elif m.evaluated.status != m.stored_status:
                if await self._persist_transition(m, snap.now):
                    counts[m.evaluated.status] += 1
        if purge:
            items = [(m.tag, m.instance_id) for m in purge]
            cutoff = datetime.fromtimestamp(snap.now - self.settings.purge_after, UTC)
            await self.store.forget(items)
            await anyio.to_thread.run_sync(
                lambda: repository.delete_instances(self.db.engine, items, stopped_before=cutoff)
            )
            for m in purge:
                await self.store.publish(
                    event_envelope(
                        "worker.removed",
                        tag=m.tag,
                        instance_id=m.instance_id,
                        status=None,
                        previous_status=m.stored_status,
                        reason="purged",
                        now=snap.now,
                    )
                )
            counts["removed"] += len(purge)
            log.info("purged stopped instances", instances=[f"{t}/{i}" for t, i in items])
        if len(purge) == len(snap.members(tag)):
            await self.store.drop_tags([tag])  # nothing left of the tag anywhere

    async def _persist_transition(self, m: Member, now: float) -> bool:
        new, reason = m.evaluated.status, m.evaluated.reason
        applied: Applied | None = None
        if m.in_redis:
            applied = await self.store.transition(
                m.tag,
                m.instance_id,
                expected_status=m.stored_status,
                expected_last_seen=m.last_seen,
                status=new,
                reason=reason,
                now=m.evaluated.since,
            )
            if applied is not None and not applied.changed:
                return False  # a heartbeat (or another replica) got there first
        if applied is None:
            at = datetime.fromtimestamp(now, UTC)
            ok = await anyio.to_thread.run_sync(
                lambda: repository.set_status(
                    self.db.engine,
                    tag=m.tag,
                    instance_id=m.instance_id,
                    status=new,
                    reason=reason,
                    since=datetime.fromtimestamp(m.evaluated.since, UTC),
                    updated_at=at,
                    expected_status=m.stored_status,
                    seen_not_after=from_epoch(m.last_seen),
                )
            )
            if not ok:
                return False
        await self.announce_status_change(m.tag, m.instance_id, new, previous=m.stored_status, reason=reason, now=now)
        return True

    async def announce_status_change(
        self, tag: str, instance_id: str, status: str, *, previous: str | None, reason: str | None, now: float
    ) -> None:
        """Publish ``worker.status_changed`` and log it (the sweep's and the health scrape's transitions)."""
        await self.store.publish(
            event_envelope(
                "worker.status_changed",
                tag=tag,
                instance_id=instance_id,
                status=status,
                previous_status=previous,
                reason=reason,
                now=now,
            )
        )
        log.warning(
            "worker status changed", tag=tag, instance_id=instance_id, previous=previous, status=status, reason=reason
        )

    def _ack(self, tag: str, instance_id: str, applied: Applied, now: float) -> dict[str, Any]:
        """``schemas.HeartbeatAck`` as a dict."""
        return {
            "tag": tag,
            "instance_id": instance_id,
            "status": applied.status,
            "previous_status": applied.previous,
            "accepted_at": datetime.fromtimestamp(now, UTC),
            "heartbeat_interval": self.settings.heartbeat_interval,
        }
