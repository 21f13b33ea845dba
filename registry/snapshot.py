"""A point-in-time view of every instance: SQL rows merged with fresher Redis records, evaluated and scored.

Reads answer from a snapshot. Lists are built as plain dicts (shaped exactly like ``schemas.InstanceOut``
and friends, which document them in OpenAPI; tests validate responses against those models) because a
list of 1,000 instances must be served in well under 50 ms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from registry import scoring
from registry.config import RegistrySettings
from registry.store import TagData

__all__ = ["ALIVE", "Evaluated", "Member", "Snapshot", "evaluate", "from_epoch", "to_epoch"]

ALIVE = frozenset({"running", "idle"})
STATES = ("running", "idle", "error", "stopped")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch(value: datetime | None) -> float | None:
    return None if value is None else (value - _EPOCH).total_seconds()


class Evaluated(NamedTuple):
    """Status after applying the failure-detection windows at ``now``."""

    status: str
    reason: str | None
    since: float
    purge: bool = False


def evaluate(
    status: str, reason: str | None, *, last_seen: float, status_since: float, now: float, settings: RegistrySettings
) -> Evaluated:
    """running/idle -> error after ``error_after`` without heartbeat -> stopped after ``stop_after`` -> purge."""
    if status in ALIVE:
        if now - last_seen > settings.error_after:
            since = last_seen + settings.error_after
            if now - since > settings.stop_after:
                return Evaluated("stopped", "error_timeout", since + settings.stop_after)
            return Evaluated("error", "heartbeat_missed", since)
        return Evaluated(status, reason, status_since)
    if status == "error" and now - status_since > settings.stop_after:
        return Evaluated("stopped", "error_timeout", status_since + settings.stop_after)
    if status == "stopped" and now - status_since > settings.purge_after:
        return Evaluated(status, reason, status_since, purge=True)
    return Evaluated(status, reason, status_since)


@dataclass(slots=True)
class Member:
    """One instance, merged from SQL and Redis, before and after evaluation."""

    tag: str
    instance_id: str
    record: dict[str, Any]
    metrics: dict[str, Any]
    scrape: dict[str, Any]
    row_id: str | None
    stored_status: str
    evaluated: Evaluated
    in_redis: bool
    last_seen: float
    score: int = 0
    parts: tuple[float, ...] = ()

    @property
    def factors(self) -> dict[str, float]:
        """The score's factors by name (H, S, F, B, W)."""
        return scoring.named(self.parts)

    @property
    def status(self) -> str:
        return self.evaluated.status

    @property
    def alive(self) -> bool:
        return self.evaluated.status in ALIVE


def row_as_record(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A SQL row in the shape of a Redis record (+ heartbeat metrics and scrape)."""
    stored: dict[str, Any] = row.get("metrics") or {}
    extra: dict[str, Any] = stored.get("extra") or {}
    record = {
        "id": row["id"],
        "tag": row["tag"],
        "instance_id": row["instance_id"],
        "version": row["version"],
        "status": row["status"],
        "reason": row["reason"],
        "health_endpoint": row["health_endpoint"],
        "registered_at": to_epoch(row["registered_at"]),
        "last_seen": to_epoch(row["last_seen"]),
        "status_since": to_epoch(row["status_since"]),
        "scrape_failures": row["scrape_failures"],
        "last_scrape_at": to_epoch(row["last_scrape_at"]),
        "consuming": extra.get("consuming", True),
        "host": extra.get("host"),
        "pid": extra.get("pid"),
        "started_at": extra.get("started_at"),
        "peer": extra.get("peer"),
    }
    return record, dict(stored.get("heartbeat") or {}), dict(stored.get("scrape") or {})


def _sum(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


class Snapshot:
    """Instances per tag at ``now`` with health scores and aggregates (what every read answers from).

    ``rows`` are full SQL rows (those Redis lacks or holds an older version of), ``ids`` the SQL ids of
    every known instance, ``hot`` what Redis holds per tag.
    """

    def __init__(
        self,
        settings: RegistrySettings,
        now: float,
        rows: Iterable[Mapping[str, Any]],
        hot: Mapping[str, TagData],
        ids: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.settings = settings
        self.now = now
        self.generated_at = datetime.fromtimestamp(now, UTC)
        self.queues: dict[str, dict[str, Any] | None] = {tag: data.queue for tag, data in hot.items()}
        ids = ids or {}
        merged: dict[tuple[str, str], Member] = {}
        for row in rows:
            record, metrics, scrape = row_as_record(row)
            merged[(row["tag"], row["instance_id"])] = self._member(record, metrics, scrape, row["id"], False)
        for tag, data in hot.items():
            for inst, record in data.records.items():
                key = (tag, inst)
                current = merged.get(key)
                if current is not None and current.last_seen > float(record.get("last_seen") or 0):
                    continue
                row_id = current.row_id if current is not None else ids.get(key)
                merged[key] = self._member(
                    record, data.metrics.get(inst) or {}, data.scrapes.get(inst) or {}, row_id, True
                )
        self.by_tag: dict[str, list[Member]] = {}
        for key in sorted(merged):
            self.by_tag.setdefault(key[0], []).append(merged[key])
        for tag, members in self.by_tag.items():
            self._score(tag, members)

    def _member(
        self, record: dict[str, Any], metrics: dict[str, Any], scrape: dict[str, Any], row_id: str | None, hot: bool
    ) -> Member:
        last_seen = float(record["last_seen"])
        status = str(record["status"])
        evaluated = evaluate(
            status,
            record.get("reason"),
            last_seen=last_seen,
            status_since=float(record.get("status_since") or last_seen),
            now=self.now,
            settings=self.settings,
        )
        return Member(
            str(record["tag"]),
            str(record["instance_id"]),
            record,
            metrics,
            scrape,
            row_id,
            status,
            evaluated,
            hot,
            last_seen,
        )

    def queue_depth(self, tag: str) -> int | None:
        sample = self.queues.get(tag)
        return None if sample is None else _int(sample.get("depth"))

    def consumers(self, tag: str) -> int | None:
        sample = self.queues.get(tag)
        return None if sample is None else _int(sample.get("consumers"))

    def _score(self, tag: str, members: list[Member]) -> None:
        s = self.settings
        alive = sum(1 for m in members if m.alive)
        depth = self.queue_depth(tag)
        compute, now = scoring.compute, self.now
        for m in members:
            m.score, m.parts = compute(
                m.evaluated.status,
                max(now - m.last_seen, 0.0),
                s.heartbeat_interval,
                s.error_after,
                int(m.record.get("scrape_failures") or 0),
                s.scrape_failures_before_error,
                m.scrape.get("failure_rate"),
                depth,
                alive,
                s.backlog_per_replica,
                m.metrics.get("reported_health_score"),
            )

    # views (plain dicts shaped like the schemas) ------------------------------------------------------
    def members(self, tag: str | None = None) -> list[Member]:
        if tag is not None:
            return list(self.by_tag.get(tag, []))
        return [m for members in self.by_tag.values() for m in members]

    def instance(self, m: Member) -> dict[str, Any]:
        """``schemas.InstanceOut`` as a dict."""
        r, hb, sc = m.record, m.metrics, m.scrape
        last_scrape = r.get("last_scrape_at")
        last_task = hb.get("last_task_time")
        return {
            "id": m.row_id or str(r.get("id") or ""),
            "tag": m.tag,
            "instance_id": m.instance_id,
            "version": str(r.get("version") or "unknown"),
            "status": m.evaluated.status,
            "reason": m.evaluated.reason,
            "health_endpoint": r.get("health_endpoint"),
            "health_score": m.score,
            "registered_at": from_epoch(float(r.get("registered_at") or m.last_seen)),
            "last_seen": from_epoch(m.last_seen),
            "status_since": from_epoch(m.evaluated.since),
            "heartbeat_age_seconds": round(max(self.now - m.last_seen, 0.0), 3),
            "consuming": bool(r.get("consuming", True)),
            "host": r.get("host"),
            "pid": r.get("pid"),
            "metrics": {
                "queue_size": hb.get("queue_size"),
                "active_tasks": hb.get("active_tasks"),
                "last_task_time": None if last_task is None else from_epoch(last_task),
                "reported_health_score": hb.get("reported_health_score"),
                "tasks_succeeded": _int(hb.get("tasks_succeeded", sc.get("succeeded"))),
                "tasks_failed": _int(hb.get("tasks_failed", sc.get("failed"))),
                "task_rate": sc.get("task_rate"),
                "failure_rate": sc.get("failure_rate"),
                "task_duration_seconds": sc.get("task_duration_seconds"),
                "memory_bytes": _int(sc.get("memory_bytes", hb.get("memory_bytes"))),
                "cpu_usage": sc.get("cpu_usage"),
                "scrape_ok": None if not sc else bool(sc.get("ok", True)),
                "scrape_failures": int(r.get("scrape_failures") or 0),
                "last_scrape_at": None if last_scrape is None else from_epoch(last_scrape),
            },
        }

    def aggregate(self, tag: str) -> dict[str, Any]:
        """``schemas.TagAggregate`` as a dict."""
        members = self.by_tag.get(tag, [])
        counts = dict.fromkeys(STATES, 0)
        for m in members:
            counts[m.status] += 1
        live = [m for m in members if m.alive]
        finished = _sum(m.scrape.get("task_rate") for m in live)
        failed = _sum(
            (m.scrape.get("failure_rate") or 0) * m.scrape["task_rate"]
            for m in live
            if m.scrape.get("task_rate") is not None
        )
        durations = [
            (m.scrape["task_duration_seconds"], m.scrape.get("task_rate") or 0)
            for m in live
            if m.scrape.get("task_duration_seconds") is not None
        ]
        weight = sum(w for _, w in durations)
        duration = None
        if durations:
            duration = (
                sum(d * w for d, w in durations) / weight if weight else sum(d for d, _ in durations) / len(durations)
            )
        return {
            "instances": len(members),
            "alive": counts["running"] + counts["idle"],
            **counts,
            "health_score": scoring.tag_score((m.status, m.score) for m in members),
            "status": self.tag_status(tag),
            "queue_depth": self.queue_depth(tag),
            "consumers": self.consumers(tag),
            "queue_size": sum(int(m.metrics.get("queue_size") or 0) for m in live),
            "active_tasks": sum(int(m.metrics.get("active_tasks") or 0) for m in live),
            "task_rate": None if finished is None else round(finished, 6),
            "failure_rate": None if not finished or failed is None else round(failed / finished, 6),
            "task_duration_seconds": None if duration is None else round(duration, 6),
            "memory_bytes": _int(_sum(m.scrape.get("memory_bytes", m.metrics.get("memory_bytes")) for m in live)),
            "cpu_usage": _sum(m.scrape.get("cpu_usage") for m in live),
            "versions": sorted({str(m.record.get("version") or "unknown") for m in members}),
            "last_seen": from_epoch(max((m.last_seen for m in members), default=None)),
        }

    def tag_status(self, tag: str) -> str:
        members = self.by_tag.get(tag, [])
        active = [m for m in members if m.status != "stopped"]
        if not active:
            return "stopped"
        alive = [m for m in active if m.alive]
        if not alive:
            return "down"
        if len(alive) < len(active) or scoring.tag_score((m.status, m.score) for m in members) < 70:
            return "degraded"
        return "healthy"

    def tag(self, tag: str, *, status: str | None = None) -> dict[str, Any]:
        """``schemas.WorkerTagOut`` as a dict."""
        members = self.by_tag.get(tag, [])
        return {
            "tag": tag,
            "aggregate": self.aggregate(tag),
            "instances": [self.instance(m) for m in members if status is None or m.status == status],
        }

    def health(self, tag: str) -> list[dict[str, Any]]:
        """``schemas.InstanceHealth`` items, best score first."""
        return [
            {
                "instance_id": m.instance_id,
                "status": m.status,
                "health_score": m.score,
                "heartbeat_age_seconds": round(max(self.now - m.last_seen, 0.0), 3),
                "factors": m.factors,
            }
            for m in sorted(self.by_tag.get(tag, []), key=lambda m: (-m.score, m.instance_id))
        ]
