"""Pydantic models of the registry API (request bodies and responses; the OpenAPI contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.models import WorkerState
from shared.heartbeat import HeartbeatPayload

__all__ = [
    "DiscoveryInstance",
    "DiscoveryOut",
    "ErrorItem",
    "ErrorOut",
    "HeartbeatAck",
    "HeartbeatPayload",
    "InstanceHealth",
    "InstanceMetrics",
    "InstanceOut",
    "ScalingListOut",
    "ScalingOut",
    "TagAggregate",
    "TagHealthOut",
    "TopologyHost",
    "TopologyOut",
    "TopologyTag",
    "WorkerListOut",
    "WorkerTagOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(use_enum_values=True)


class ErrorItem(BaseModel):
    loc: list[str]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error answer: ``shared.errors`` shape (``errors`` on validation failures)."""

    type: str
    code: str
    message: str
    retryable: bool = False
    errors: list[ErrorItem] | None = None


class InstanceMetrics(_Out):
    """Latest numbers of an instance: reported in heartbeats and scraped from its ``/metrics``."""

    queue_size: int | None = Field(default=None, description="Tasks reserved by the instance (heartbeat).")
    active_tasks: int | None = None
    last_task_time: datetime | None = None
    reported_health_score: int | None = None
    tasks_succeeded: int | None = None
    tasks_failed: int | None = None
    task_rate: float | None = Field(default=None, description="Finished tasks per second (scrape window).")
    failure_rate: float | None = Field(default=None, description="Failed / finished, 0-1 (scrape window).")
    task_duration_seconds: float | None = Field(default=None, description="Mean task runtime (scrape window).")
    memory_bytes: int | None = None
    cpu_usage: float | None = Field(default=None, description="CPU cores used (scrape window).")
    scrape_ok: bool | None = None
    scrape_failures: int = 0
    last_scrape_at: datetime | None = None


class InstanceOut(_Out):
    """One worker instance (replica) of a tag."""

    id: str
    tag: str
    instance_id: str
    version: str
    status: WorkerState
    reason: str | None = None
    health_endpoint: str | None = None
    health_score: int = Field(ge=0, le=100)
    registered_at: datetime
    last_seen: datetime
    status_since: datetime
    heartbeat_age_seconds: float
    consuming: bool = True
    host: str | None = None
    pid: int | None = None
    metrics: InstanceMetrics


class TagAggregate(_Out):
    """Aggregate over the instances of a tag."""

    instances: int
    alive: int = Field(description="Instances running or idle.")
    running: int
    idle: int
    error: int
    stopped: int
    health_score: int = Field(ge=0, le=100, description="Mean instance score over non-stopped instances.")
    status: Literal["healthy", "degraded", "down", "stopped"]
    queue_depth: int | None = Field(default=None, description="Ready messages in the tag's RabbitMQ queue.")
    consumers: int | None = None
    queue_size: int = 0
    active_tasks: int = 0
    task_rate: float | None = None
    failure_rate: float | None = None
    task_duration_seconds: float | None = None
    memory_bytes: int | None = None
    cpu_usage: float | None = None
    versions: list[str]
    last_seen: datetime | None = None


class WorkerTagOut(_Out):
    tag: str
    aggregate: TagAggregate
    instances: list[InstanceOut]


class WorkerListOut(_Out):
    generated_at: datetime
    total_instances: int
    tags: list[WorkerTagOut]


class HeartbeatAck(_Out):
    tag: str
    instance_id: str
    status: WorkerState
    previous_status: WorkerState | None = None
    accepted_at: datetime
    heartbeat_interval: float = Field(description="Seconds until the registry expects the next heartbeat.")


class InstanceHealth(_Out):
    instance_id: str
    status: WorkerState
    health_score: int
    heartbeat_age_seconds: float
    factors: dict[str, float] = Field(description="H, S, F, B, W factors of the score, each 0-1.")


class TagHealthOut(_Out):
    tag: str
    health_score: int
    status: Literal["healthy", "degraded", "down", "stopped"]
    formula: str
    instances: list[InstanceHealth]


class DiscoveryInstance(_Out):
    instance_id: str
    health_endpoint: str | None
    status: WorkerState
    health_score: int
    weight: float = Field(description="Share of traffic for health-aware balancing (scores normalized).")
    version: str
    host: str | None = None


class DiscoveryOut(_Out):
    tag: str
    generated_at: datetime
    instances: list[DiscoveryInstance] = Field(description="Healthy instances, best health score first.")


class TopologyTag(_Out):
    tag: str
    queue: str
    queue_depth: int | None
    consumers: int | None
    health_score: int
    instances: list[DiscoveryInstance]


class TopologyHost(_Out):
    host: str
    instances: list[str] = Field(description="`<tag>/<instance_id>` running on the host.")


class TopologyOut(_Out):
    generated_at: datetime
    tags: list[TopologyTag]
    hosts: list[TopologyHost]


class ScalingOut(_Out):
    """Scaling hint of a tag; KEDA ``metrics-api`` reads ``desired_replicas`` (targetValue 1)."""

    tag: str
    desired_replicas: int
    current_replicas: int
    min_replicas: int
    max_replicas: int
    queue_depth: int | None
    arrival_rate: float | None = Field(description="Messages/s arriving (completion rate + depth slope).")
    completion_rate: float | None = Field(description="Tasks/s finished by all instances.")
    velocity: float | None = Field(description="Queue depth change per second (arrival - completion).")
    per_replica_rate: float
    reason: str
    cooldown_remaining: float
    generated_at: datetime


class ScalingListOut(_Out):
    generated_at: datetime
    tags: list[ScalingOut]
