"""The shapes of an instance's record: from a heartbeat into the hot store, from the hot store into SQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from registry.models import WorkerState
from registry.schemas import HeartbeatPayload
from registry.snapshot import from_epoch, to_epoch
from registry.store import new_id

__all__ = ["heartbeat_record", "sql_row"]


def heartbeat_record(
    tag: str, p: HeartbeatPayload, now: float, peer: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    record = {
        "id": new_id(),
        "tag": tag,
        "instance_id": p.instance_id,
        "version": p.version,
        "status": WorkerState.RUNNING.value if p.consuming else WorkerState.IDLE.value,
        "reason": None,
        "health_endpoint": p.health_endpoint,
        "registered_at": now,
        "last_seen": now,
        "status_since": now,
        "scrape_failures": 0,
        "last_scrape_at": None,
        "consuming": p.consuming,
        "host": p.host,
        "pid": p.pid,
        "started_at": to_epoch(p.started_at),
        "peer": peer,
    }
    metrics = {
        "at": now,
        "queue_size": p.queue_size,
        "active_tasks": p.active_tasks,
        "last_task_time": to_epoch(p.last_task_time),
        "reported_health_score": p.health_score,
        "tasks_succeeded": p.tasks_succeeded,
        "tasks_failed": p.tasks_failed,
        "memory_bytes": p.memory_bytes,
        "cpu_seconds": p.cpu_seconds,
    }
    return record, {k: v for k, v in metrics.items() if v is not None}


def sql_row(rec: dict[str, Any], hb: dict[str, Any], scrape: dict[str, Any], now: float) -> dict[str, Any]:
    last_seen = float(rec["last_seen"])
    extra = {k: rec.get(k) for k in ("consuming", "host", "pid", "started_at", "peer")}
    return {
        "id": str(rec.get("id") or uuid.uuid4()),
        "tag": rec["tag"],
        "instance_id": rec["instance_id"],
        "version": str(rec.get("version") or "unknown"),
        "status": rec["status"],
        "reason": rec.get("reason"),
        "health_endpoint": rec.get("health_endpoint"),
        "health_score": int(hb.get("reported_health_score", 100)) if WorkerState(rec["status"]).alive else 0,
        "scrape_failures": int(rec.get("scrape_failures") or 0),
        "registered_at": from_epoch(float(rec.get("registered_at") or last_seen)),
        "last_seen": from_epoch(last_seen),
        "status_since": from_epoch(float(rec.get("status_since") or last_seen)),
        "last_scrape_at": from_epoch(rec.get("last_scrape_at")),
        "metrics": {"heartbeat": hb, "scrape": scrape, "extra": extra},
        "updated_at": datetime.fromtimestamp(now, UTC),
    }
