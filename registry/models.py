"""SQLAlchemy 2 tables: ``worker_status``, one row per worker instance (a tag has many instances)."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Integer, String, TypeDecorator, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "UTCDateTime", "WorkerState", "WorkerStatus"]


class WorkerState(enum.StrEnum):
    """Lifecycle of an instance, with Consul's critical/deregistered split.

    ``running``  heartbeats arrive and the instance consumes its queue;
    ``idle``     heartbeats arrive but the consumer is not taking tasks (starting, draining, paused);
    ``error``    heartbeats missed for ``error_after`` or ``/metrics`` scrapes failing (Consul: critical);
    ``stopped``  unregistered on graceful shutdown, or in ``error`` longer than ``stop_after``;
                 removed from the registry after ``purge_after``.
    """

    RUNNING = "running"
    IDLE = "idle"
    ERROR = "error"
    STOPPED = "stopped"

    @property
    def alive(self) -> bool:
        return self in (WorkerState.RUNNING, WorkerState.IDLE)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive values: read back as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of the registry tables."""


def _uuid() -> str:
    return str(uuid.uuid4())


class WorkerStatus(Base):
    """One worker instance: identity, version, lifecycle state, liveness and its latest metrics."""

    __tablename__ = "worker_status"
    __table_args__ = (
        UniqueConstraint("tag", "instance_id", name="uq_worker_status_tag_instance"),
        CheckConstraint("status IN ('running', 'idle', 'error', 'stopped')", name="ck_worker_status_status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    tag: Mapped[str] = mapped_column(String(64), index=True)
    instance_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64), default="unknown")
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    health_endpoint: Mapped[str | None] = mapped_column(String(500), nullable=True)
    health_score: Mapped[int] = mapped_column(Integer, default=100)
    scrape_failures: Mapped[int] = mapped_column(Integer, default=0)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status_since: Mapped[datetime] = mapped_column(UTCDateTime())
    last_scrape_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
