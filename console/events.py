"""Celery task events -> rows: one event row for the timeline, merged per task id into its summary row.

Handled: ``task-sent``, ``task-received``, ``task-started``, ``task-retried``, ``task-succeeded``,
``task-failed``, ``task-revoked``, ``task-rejected`` and our ``task-context`` (the correlation id, tenant and
idempotency key a worker read from the message headers; see ``shared.signals``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from console.redaction import identity_fields, kept_kwargs, parse_kwargs

__all__ = ["STATES", "EventRow", "TaskSummary", "merge", "normalize"]

#: Celery event type -> the task state it means (None: no state change)
STATES: Final[dict[str, str | None]] = {
    "task-sent": "PENDING",
    "task-received": "RECEIVED",
    "task-started": "STARTED",
    "task-retried": "RETRY",
    "task-succeeded": "SUCCESS",
    "task-failed": "FAILURE",
    "task-revoked": "REVOKED",
    "task-rejected": "REJECTED",
    "task-context": None,
}
#: order of states stamped with the same instant (the later event in a task's life wins)
_RANK: Final = {
    "PENDING": 0,
    "RECEIVED": 1,
    "STARTED": 2,
    "RETRY": 3,
    "REJECTED": 4,
    "SUCCESS": 5,
    "FAILURE": 5,
    "REVOKED": 6,
}
_MAX_TEXT = 4000


def _text(value: Any, limit: int = _MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _error(event: dict[str, Any]) -> dict[str, Any] | None:
    if not event.get("exception") and not event.get("traceback"):
        return None
    exception = _text(event.get("exception")) or ""
    kind, _, message = exception.partition("(")
    return {
        "type": kind.strip() or None,
        "message": message.rstrip(")") if message else exception,
        "exception": exception,
        "traceback": _text(event.get("traceback"), 8000),
    }


@dataclass
class EventRow:
    task_id: str
    event: str
    at: datetime
    worker: str | None
    retries: int | None
    data: dict[str, Any] | None

    def copy_tuple(self) -> tuple[Any, ...]:
        data = None if self.data is None else json.dumps(self.data, default=str)
        return (self.task_id, self.event, self.at, self.worker, self.retries, data)


@dataclass
class TaskSummary:
    task_id: str
    first_at: datetime
    last_at: datetime
    state: str | None = None
    state_at: datetime | None = None
    state_rank: int = -1
    fields: dict[str, Any] = field(default_factory=dict)


def normalize(event: dict[str, Any]) -> tuple[EventRow, dict[str, Any]] | None:
    """The timeline row and the summary fields one event sets (None: not a task event we keep)."""
    kind = str(event.get("type") or "")
    task_id = event.get("uuid")
    if kind not in STATES or not task_id:
        return None
    at = datetime.fromtimestamp(float(event.get("timestamp") or 0.0), UTC)
    name = event.get("name")
    fields: dict[str, Any] = {}
    data: dict[str, Any] = {}
    if name:
        fields["name"] = str(name)[:200]
    if kind in ("task-sent", "task-received"):
        raw = event.get("kwargs")
        parsed = parse_kwargs(raw) if raw not in (None, "", "{}") else None
        readable = parsed if isinstance(parsed, dict) else raw
        fields.update(kwargs=kept_kwargs(name, readable), **identity_fields(name, readable))
        for key in ("root_id", "parent_id"):
            if event.get(key):
                fields[key] = str(event[key])[:64]
        if event.get("queue") or event.get("routing_key"):
            fields["queue"] = str(event.get("queue") or event.get("routing_key"))[:200]
        data = {"eta": event.get("eta"), "expires": event.get("expires")}
    elif kind == "task-context":
        for key in ("correlation_id", "tenant", "idempotency_key", "queue"):
            if event.get(key):
                fields[key] = str(event[key])[:400]
        data = {k: fields[k] for k in fields if k != "name"}
    elif kind == "task-succeeded":
        fields.update(result=_text(event.get("result")), runtime=event.get("runtime"), error=None)
        data = {"runtime": event.get("runtime")}
    elif kind in ("task-failed", "task-retried"):
        error = _error(event)
        fields["error"] = error
        data = {"error": error}
    elif kind == "task-revoked":
        data = {"terminated": event.get("terminated"), "signum": event.get("signum"), "expired": event.get("expired")}
    elif kind == "task-rejected":
        data = {"requeue": event.get("requeue")}
    retries = event.get("retries")
    if kind == "task-retried":
        retries = None
    if isinstance(retries, int):
        fields["retries"] = retries
    worker = event.get("hostname") if kind != "task-sent" else None
    if worker:
        fields["worker"] = str(worker)[:200]
    state = STATES[kind]
    if state is not None:
        fields["state"] = state
    compact = {k: v for k, v in data.items() if v is not None} or None
    return EventRow(
        str(task_id)[:64], kind, at, fields.get("worker"), retries if isinstance(retries, int) else None, compact
    ), fields


def merge(summaries: dict[str, TaskSummary], row: EventRow, fields: dict[str, Any]) -> None:
    """Fold one event into the batch's summary of its task (a later, higher-ranked state wins)."""
    found = summaries.get(row.task_id)
    if found is None:
        found = summaries[row.task_id] = TaskSummary(row.task_id, row.at, row.at)
    found.first_at = min(found.first_at, row.at)
    found.last_at = max(found.last_at, row.at)
    state = fields.pop("state", None)
    if state is not None and (
        found.state_at is None
        or row.at > found.state_at
        or (row.at == found.state_at and _RANK[state] >= found.state_rank)
    ):
        found.state, found.state_at, found.state_rank = state, row.at, _RANK[state]
    if "retries" in fields:
        fields["retries"] = max(int(fields["retries"]), int(found.fields.get("retries", 0)))
    found.fields.update({k: v for k, v in fields.items() if v is not None or k == "error"})
