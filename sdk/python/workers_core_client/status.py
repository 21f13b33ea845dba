"""What a caller holds after ``send`` (``TaskHandle``) and what ``status`` answers (``TaskStatus``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal

from workers_core_client.tasktype import ResultT, TaskType

__all__ = ["FINAL_STATES", "ErrorInfo", "Sent", "TaskHandle", "TaskState", "TaskStatus"]

TaskState = Literal["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"]
FINAL_STATES: frozenset[str] = frozenset({"SUCCESS", "FAILURE", "REVOKED"})


@dataclass(frozen=True)
class ErrorInfo:
    """A failed task's structured error (the worker's ``code``, ``message`` and ``details``)."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    """What a transport reports once the broker (or the gateway) took the task."""

    task_id: str
    name: str
    correlation_id: str | None
    status_url: str | None = None
    events_url: str | None = None
    replayed: bool = False


@dataclass(frozen=True)
class TaskHandle(Generic[ResultT]):
    """A sent task: its id, name, correlation id, and (when the catalog knows it) its typed ``TaskType``."""

    sent: Sent
    task: TaskType[Any, ResultT] | None = None

    @property
    def task_id(self) -> str:
        return self.sent.task_id

    @property
    def name(self) -> str:
        return self.sent.name

    @property
    def correlation_id(self) -> str | None:
        return self.sent.correlation_id


@dataclass(frozen=True)
class TaskStatus:
    """Where a task stands (the same fields as the gateway's ``GET /v1/tasks/{id}``)."""

    task_id: str
    name: str
    state: TaskState
    result: Any = None
    error: ErrorInfo | None = None
    correlation_id: str | None = None
    tenant: str | None = None
    created_at: str | None = None

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES
