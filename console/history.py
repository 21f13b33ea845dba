"""Task history in PostgreSQL: batched writes (COPY for events, one upsert per task), search, a task's page, pruning."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from psycopg.types.json import Jsonb
from sqlalchemy import text
from sqlalchemy.engine import Engine

from console.errors import NotFound
from console.events import EventRow, TaskSummary

__all__ = ["SEARCH_FIELDS", "HistoryStore", "TaskQuery"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_COLUMNS: Final = """task_id, name, state, state_at, worker, queue, correlation_id, tenant,
  idempotency_key, root_id, parent_id, retries, kwargs, result, error, runtime, first_at, last_at"""
#: the batch's task summaries are COPYed into a temporary table, then merged with one statement
_STAGE: Final = (
    "CREATE TEMP TABLE IF NOT EXISTS console_tasks_stage (LIKE console_tasks INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
_COPY_STAGE: Final = f"COPY console_tasks_stage ({_COLUMNS}) FROM STDIN"
_UPSERT: Final = f"""
INSERT INTO console_tasks AS t ({_COLUMNS})
SELECT {_COLUMNS} FROM console_tasks_stage ORDER BY task_id
ON CONFLICT (task_id) DO UPDATE SET
  name = COALESCE(EXCLUDED.name, t.name),
  state = CASE WHEN EXCLUDED.state_at >= t.state_at THEN EXCLUDED.state ELSE t.state END,
  state_at = GREATEST(EXCLUDED.state_at, t.state_at),
  worker = COALESCE(EXCLUDED.worker, t.worker),
  queue = COALESCE(EXCLUDED.queue, t.queue),
  correlation_id = COALESCE(EXCLUDED.correlation_id, t.correlation_id),
  tenant = COALESCE(EXCLUDED.tenant, t.tenant),
  idempotency_key = COALESCE(EXCLUDED.idempotency_key, t.idempotency_key),
  root_id = COALESCE(EXCLUDED.root_id, t.root_id),
  parent_id = COALESCE(EXCLUDED.parent_id, t.parent_id),
  retries = GREATEST(EXCLUDED.retries, t.retries),
  kwargs = COALESCE(EXCLUDED.kwargs, t.kwargs),
  result = COALESCE(EXCLUDED.result, t.result),
  error = COALESCE(EXCLUDED.error, t.error),
  runtime = COALESCE(EXCLUDED.runtime, t.runtime),
  first_at = LEAST(EXCLUDED.first_at, t.first_at),
  last_at = GREATEST(EXCLUDED.last_at, t.last_at)
"""  # noqa: S608 - the column list is ours
_COPY: Final = "COPY console_task_events (task_id, event, at, worker, retries, data) FROM STDIN"
#: filters of the search form -> their column (exact match; time range on last_at)
SEARCH_FIELDS: Final = ("task_id", "name", "state", "worker", "correlation_id", "tenant", "idempotency_key")
_LIST_COLUMNS: Final = (
    "task_id, name, state, worker, queue, correlation_id, tenant, retries, runtime, first_at, last_at"
)


@dataclass(frozen=True)
class TaskQuery:
    task_id: str | None = None
    name: str | None = None
    state: str | None = None
    worker: str | None = None
    correlation_id: str | None = None
    tenant: str | None = None
    idempotency_key: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for name in SEARCH_FIELDS:
            value = getattr(self, name)
            if value:
                clauses.append(f"{name} = :{name}")
                params[name] = value
        if self.since is not None:
            clauses.append("last_at >= :since")
            params["since"] = self.since
        if self.until is not None:
            clauses.append("last_at <= :until")
            params["until"] = self.until
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _summary_row(s: TaskSummary) -> tuple[Any, ...]:
    f = s.fields
    kwargs = f.get("kwargs")
    error = f.get("error")
    return (
        s.task_id,
        f.get("name"),
        s.state or "PENDING",
        s.state_at or _EPOCH,
        f.get("worker"),
        f.get("queue"),
        f.get("correlation_id"),
        f.get("tenant"),
        f.get("idempotency_key"),
        f.get("root_id"),
        f.get("parent_id"),
        int(f.get("retries", 0)),
        None if kwargs is None else Jsonb(kwargs),
        f.get("result"),
        None if error is None else Jsonb(error),
        f.get("runtime"),
        s.first_at,
        s.last_at,
    )


class HistoryStore:
    """Reads and writes of the task history (PostgreSQL only: COPY and JSONB)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, events: Sequence[EventRow], summaries: Iterable[TaskSummary]) -> None:
        """One transaction: the events through COPY, then every touched task's summary upserted."""
        rows = [_summary_row(s) for s in sorted(summaries, key=lambda s: s.task_id)]  # stable lock order
        raw = self.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            with conn.cursor() as cur:
                if events:
                    with cur.copy(_COPY) as copy:
                        for event in events:
                            copy.write_row(event.copy_tuple())
                if rows:
                    cur.execute(_STAGE)
                    with cur.copy(_COPY_STAGE) as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(_UPSERT)
            conn.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()

    def search(self, query: TaskQuery) -> list[dict[str, Any]]:
        where, params = query.where()
        params["limit"] = max(1, min(query.limit, 500))
        sql = f"SELECT {_LIST_COLUMNS} FROM console_tasks{where} ORDER BY last_at DESC LIMIT :limit"  # noqa: S608 - columns are ours
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def task(self, task_id: str) -> dict[str, Any]:
        """A task's page: its summary, timeline and related tasks (same correlation id)."""
        with self.engine.connect() as conn:
            found = conn.execute(text("SELECT * FROM console_tasks WHERE task_id = :id"), {"id": task_id}).first()
            if found is None:
                raise NotFound(f"no task {task_id!r} in the history")
            task = dict(found._mapping)
            timeline = [
                dict(r._mapping)
                for r in conn.execute(
                    text(
                        "SELECT event, at, worker, retries, data FROM console_task_events WHERE task_id = :id ORDER BY at, id"
                    ),
                    {"id": task_id},
                )
            ]
            related: list[dict[str, Any]] = []
            if task.get("correlation_id"):
                related = [
                    dict(r._mapping)
                    for r in conn.execute(
                        text(
                            f"SELECT {_LIST_COLUMNS} FROM console_tasks WHERE correlation_id = :c AND task_id <> :id "  # noqa: S608
                            "ORDER BY first_at LIMIT 100"
                        ),
                        {"c": task["correlation_id"], "id": task_id},
                    )
                ]
        task["retry_events"] = sum(1 for e in timeline if e["event"] == "task-retried")
        return {"task": task, "timeline": timeline, "related": related}

    def prune(self, retention: timedelta, *, now: datetime | None = None, chunk: int = 50_000) -> tuple[int, int]:
        """Delete events and tasks older than ``retention``, ``chunk`` rows per transaction (short locks, small
        WAL bursts); returns (events, tasks) removed."""
        cutoff = (now or datetime.now(UTC)) - retention
        removed = []
        for table, key, column in (("console_task_events", "id", "at"), ("console_tasks", "task_id", "last_at")):
            total = 0
            while True:
                with self.engine.begin() as conn:
                    done = (
                        conn.execute(
                            text(
                                f"DELETE FROM {table} WHERE {key} IN "  # noqa: S608 - table and column names are ours
                                f"(SELECT {key} FROM {table} WHERE {column} < :c LIMIT :n)"
                            ),
                            {"c": cutoff, "n": chunk},
                        ).rowcount
                        or 0
                    )
                total += int(done)
                if done < chunk:
                    break
            removed.append(total)
        return removed[0], removed[1]

    def oldest_waiting(self) -> dict[str, float]:
        """Queue -> epoch of its oldest task sent and not yet received (within the last day)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT queue, min(first_at) FROM console_tasks WHERE state = 'PENDING' AND queue IS NOT NULL "
                    "AND last_at > now() - interval '1 day' GROUP BY queue"
                )
            ).all()
        return {str(q): at.timestamp() for q, at in rows}

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT state, count(*) FROM console_tasks GROUP BY state")).all()
        return {str(state): int(n) for state, n in rows}


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, indent=2, sort_keys=True)
