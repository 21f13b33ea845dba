"""A point-in-time view of every instance: SQL rows merged with fresher Redis records, evaluated and scored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from registry import scoring
from registry.config import RegistrySettings
from registry.models import WorkerState
from registry.schemas import InstanceHealth, InstanceMetrics, InstanceOut, TagAggregate, WorkerTagOut
from registry.store import TagData

__all__ = ["Evaluated", "Member", "Snapshot", "evaluate", "from_epoch", "to_epoch"]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def from_epoch(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def to_epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


@dataclass(frozen=True)
class Evaluated:
    """Status after applying the failure-detection windows at ``now``."""

    status: str
    reason: str | None
    since: float
    purge: bool = False


def evaluate(
    status: str, reason: str | None, *, last_seen: float, status_since: float, now: float, settings: RegistrySettings
) -> Evaluated:
    """running/idle -> error after ``error_after`` without heartbeat -> stopped after ``stop_after`` -> purge."""
    if status in (WorkerState.RUNNING, WorkerState.IDLE):
        if now - last_seen > settings.error_after:
            since = last_seen + settings.error_after
            if now - since > settings.stop_after:
                return Evaluated(WorkerState.STOPPED, "error_timeout", since + settings.stop_after)
            return Evaluated(WorkerState.ERROR, "heartbeat_missed", since)
        return Evaluated(status, reason, status_since)
    if status == WorkerState.ERROR and now - status_since > settings.stop_after:
        return Evaluated(WorkerState.STOPPED, "error_timeout", status_since + settings.stop_after)
    if status == WorkerState.STOPPED and now - status_since > settings.purge_after:
        return Evaluated(status, reason, status_since, purge=True)
    return Evaluated(status, reason, status_since)


@dataclass
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
    score: int = 0
    factors: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.evaluated.status

    @property
    def last_seen(self) -> float:
        return float(self.record["last_seen"])


def _row_as_record(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
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
    }
    return record, dict(stored.get("heartbeat") or {}), dict(stored.get("scrape") or {})


class Snapshot:
    """Instances per tag at ``now`` with health scores and aggregates (what every read answers from)."""

    def __init__(
        self, settings: RegistrySettings, now: float, rows: Iterable[Mapping[str, Any]], hot: Mapping[str, TagData]
    ) -> None:
        self.settings = settings
        self.now = now
        self.generated_at = datetime.fromtimestamp(now, UTC)
        self.queues: dict[str, dict[str, Any] | None] = {tag: data.queue for tag, data in hot.items()}
        merged: dict[tuple[str, str], Member] = {}
        for row in rows:
            record, metrics, scrape = _row_as_record(row)
            merged[(row["tag"], row["instance_id"])] = self._member(record, metrics, scrape, row["id"], False)
        for tag, data in hot.items():
            for inst, record in data.records.items():
                key = (tag, inst)
                current = merged.get(key)
                if current is not None and current.last_seen > float(record.get("last_seen") or 0):
                    continue
                row_id = current.row_id if current is not None else None
                member = self._member(record, data.metrics.get(inst, {}), data.scrapes.get(inst, {}), row_id, True)
                merged[key] = member
        self.by_tag: dict[str, list[Member]] = {}
        for (tag, _), member in sorted(merged.items()):
            self.by_tag.setdefault(tag, []).append(member)
        for tag, members in self.by_tag.items():
            self._score(tag, members)

    def _member(
        self, record: dict[str, Any], metrics: dict[str, Any], scrape: dict[str, Any], row_id: str | None, hot: bool
    ) -> Member:
        evaluated = evaluate(
            str(record["status"]), record.get("reason"), last_seen=float(record["last_seen"]),
            status_since=float(record.get("status_since") or record["last_seen"]), now=self.now,
            settings=self.settings,
        )
        return Member(
            tag=str(record["tag"]), instance_id=str(record["instance_id"]), record=record, metrics=metrics,
            scrape=scrape, row_id=row_id, stored_status=str(record["status"]), evaluated=evaluated, in_redis=hot,
        )

    def queue_depth(self, tag: str) -> int | None:
        sample = self.queues.get(tag)
        depth = None if sample is None else sample.get("depth")
        return None if depth is None else int(depth)

    def consumers(self, tag: str) -> int | None:
        sample = self.queues.get(tag)
        value = None if sample is None else sample.get("consumers")
        return None if value is None else int(value)

    def _score(self, tag: str, members: list[Member]) -> None:
        alive = sum(1 for m in members if WorkerState(m.status).alive)
        depth = self.queue_depth(tag)
        for m in members:
            inputs = scoring.ScoreInputs(
                status=m.status,
                heartbeat_age=max(self.now - m.last_seen, 0.0),
                interval=self.settings.heartbeat_interval,
                error_after=self.settings.error_after,
                scrape_failures=int(m.record.get("scrape_failures") or 0),
                failures_before_error=self.settings.scrape_failures_before_error,
                failure_rate=m.scrape.get("failure_rate"),
                queue_depth=depth,
                alive_replicas=alive,
                backlog_per_replica=self.settings.backlog_per_replica,
                reported=m.metrics.get("reported_health_score"),
            )
            m.factors = scoring.factors(inputs)
            m.score = scoring.instance_score(inputs)

    # views -----------------------------------------------------------------------------------------
    def members(self, tag: str | None = None) -> list[Member]:
        if tag is not None:
            return list(self.by_tag.get(tag, []))
        return [m for members in self.by_tag.values() for m in members]

    def instance_out(self, m: Member) -> InstanceOut:
        r, hb, sc = m.record, m.metrics, m.scrape
        metrics = InstanceMetrics.model_construct(
            queue_size=hb.get("queue_size"),
            active_tasks=hb.get("active_tasks"),
            last_task_time=from_epoch(hb.get("last_task_time")),
            reported_health_score=hb.get("reported_health_score"),
            tasks_succeeded=_int(hb.get("tasks_succeeded", sc.get("succeeded"))),
            tasks_failed=_int(hb.get("tasks_failed", sc.get("failed"))),
            task_rate=sc.get("task_rate"),
            failure_rate=sc.get("failure_rate"),
            task_duration_seconds=sc.get("task_duration_seconds"),
            memory_bytes=_int(sc.get("memory_bytes", hb.get("memory_bytes"))),
            cpu_usage=sc.get("cpu_usage"),
            scrape_ok=None if not sc else bool(sc.get("ok", True)),
            scrape_failures=int(r.get("scrape_failures") or 0),
            last_scrape_at=from_epoch(r.get("last_scrape_at")),
        )
        return InstanceOut.model_construct(
            id=m.row_id or str(r.get("id") or ""),
            tag=m.tag,
            instance_id=m.instance_id,
            version=str(r.get("version") or "unknown"),
            status=WorkerState(m.status),
            reason=m.evaluated.reason,
            health_endpoint=r.get("health_endpoint"),
            health_score=m.score,
            registered_at=from_epoch(float(r.get("registered_at") or m.last_seen)),
            last_seen=from_epoch(m.last_seen),
            status_since=from_epoch(m.evaluated.since),
            heartbeat_age_seconds=round(max(self.now - m.last_seen, 0.0), 3),
            consuming=bool(r.get("consuming", True)),
            host=r.get("host"),
            pid=r.get("pid"),
            metrics=metrics,
        )

    def aggregate(self, tag: str) -> TagAggregate:
        members = self.by_tag.get(tag, [])
        counts = {state.value: 0 for state in WorkerState}
        for m in members:
            counts[m.status] += 1
        alive = counts["running"] + counts["idle"]
        score = scoring.tag_score((m.status, m.score) for m in members)
        live = [m for m in members if WorkerState(m.status).alive]

        def total(values: Iterable[Any]) -> Any:
            present = [v for v in values if v is not None]
            return sum(present) if present else None

        finished = total(m.scrape.get("task_rate") for m in live)
        failed = total(
            (m.scrape.get("failure_rate") or 0) * (m.scrape.get("task_rate") or 0)
            for m in live if m.scrape.get("task_rate") is not None
        )
        durations = [
            (m.scrape["task_duration_seconds"], m.scrape.get("task_rate") or 0)
            for m in live if m.scrape.get("task_duration_seconds") is not None
        ]
        weight = sum(w for _, w in durations)
        if durations:
            duration = (
                sum(d * w for d, w in durations) / weight if weight else sum(d for d, _ in durations) / len(durations)
            )
        else:
            duration = None
        return TagAggregate.model_construct(
            instances=len(members),
            alive=alive,
            running=counts["running"],
            idle=counts["idle"],
            error=counts["error"],
            stopped=counts["stopped"],
            health_score=score,
            status=self.tag_status(tag),
            queue_depth=self.queue_depth(tag),
            consumers=self.consumers(tag),
            queue_size=sum(int(m.metrics.get("queue_size") or 0) for m in live),
            active_tasks=sum(int(m.metrics.get("active_tasks") or 0) for m in live),
            task_rate=None if finished is None else round(finished, 6),
            failure_rate=None if not finished or failed is None else round(failed / finished, 6),
            task_duration_seconds=None if duration is None else round(duration, 6),
            memory_bytes=_int(total(m.scrape.get("memory_bytes", m.metrics.get("memory_bytes")) for m in live)),
            cpu_usage=total(m.scrape.get("cpu_usage") for m in live),
            versions=sorted({str(m.record.get("version") or "unknown") for m in members}),
            last_seen=from_epoch(max((m.last_seen for m in members), default=None)),
        )

    def tag_status(self, tag: str) -> str:
        members = self.by_tag.get(tag, [])
        active = [m for m in members if m.status != WorkerState.STOPPED]
        if not active:
            return "stopped"
        alive = [m for m in active if WorkerState(m.status).alive]
        if not alive:
            return "down"
        if len(alive) < len(active) or scoring.tag_score((m.status, m.score) for m in members) < 70:
            return "degraded"
        return "healthy"

    def tag_out(self, tag: str, *, status: str | None = None) -> WorkerTagOut:
        members = self.by_tag.get(tag, [])
        shown = [m for m in members if status is None or m.status == status]
        return WorkerTagOut.model_construct(
            tag=tag, aggregate=self.aggregate(tag), instances=[self.instance_out(m) for m in shown]
        )

    def health_out(self, tag: str) -> list[InstanceHealth]:
        return [
            InstanceHealth.model_construct(
                instance_id=m.instance_id, status=WorkerState(m.status), health_score=m.score,
                heartbeat_age_seconds=round(max(self.now - m.last_seen, 0.0), 3), factors=m.factors,
            )
            for m in sorted(self.by_tag.get(tag, []), key=lambda m: (-m.score, m.instance_id))
        ]
