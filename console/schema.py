"""The console's tables (created and changed only by the Alembic migrations in ``console/migrations``).

- ``console_task_events``: one row per Celery task event (append-only, pruned by time), the timeline.
- ``console_tasks``: one row per task id, the latest known state merged from its events, what search reads.
- ``console_audit``: who did what, when, to what, with which parameters and outcome, from where; the
  application cannot UPDATE or DELETE its rows (a trigger refuses it, whatever the role).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["VERSION_TABLE", "audit", "metadata", "task_events", "tasks"]

#: Alembic's version table of the console (other packages keep their own)
VERSION_TABLE = "workers_core_console_version"

metadata = MetaData()
_json = JSON().with_variant(JSONB(), "postgresql")

task_events = Table(
    "console_task_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("task_id", String(64), nullable=False),
    Column("event", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("worker", String(200)),
    Column("retries", Integer),
    Column("data", _json),
    Index("console_task_events_task", "task_id", "at"),
    Index("console_task_events_at", "at"),
)

tasks = Table(
    "console_tasks",
    metadata,
    Column("task_id", String(64), primary_key=True),
    Column("name", String(200)),
    Column("state", String(32), nullable=False),
    Column("state_at", DateTime(timezone=True), nullable=False),
    Column("worker", String(200)),
    Column("queue", String(200)),
    Column("correlation_id", String(200)),
    Column("tenant", String(200)),
    Column("idempotency_key", String(400)),
    Column("root_id", String(64)),
    Column("parent_id", String(64)),
    Column("retries", Integer, nullable=False, server_default="0"),
    Column("kwargs", _json),
    Column("result", Text),
    Column("error", _json),
    Column("runtime", Float),
    Column("first_at", DateTime(timezone=True), nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Index("console_tasks_name", "name", "last_at"),
    Index("console_tasks_state", "state", "last_at"),
    Index("console_tasks_worker", "worker", "last_at"),
    Index("console_tasks_last_at", "last_at"),
    Index("console_tasks_correlation", "correlation_id"),
    Index("console_tasks_tenant", "tenant", "last_at"),
    Index("console_tasks_idempotency", "idempotency_key"),
)

audit = Table(
    "console_audit",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(400)),
    Column("params", _json),
    Column("outcome", String(32), nullable=False),
    Column("detail", Text),
    Column("source", String(100)),
    Index("console_audit_at", "at"),
    Index("console_audit_actor", "actor", "at"),
    Index("console_audit_action", "action", "at"),
)
