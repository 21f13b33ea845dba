"""Response models of the OpenAPI document (the handlers answer with orjson, in exactly these shapes)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Accepted", "ErrorBody", "ErrorDetail", "Readiness", "TaskInfo", "TaskList", "TaskStatus"]

State = Literal["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"]


class Accepted(BaseModel):
    """202: the task was published and confirmed by the broker."""

    task_id: str
    name: str
    state: Literal["PENDING"] = "PENDING"
    status_url: str = Field(description="`GET` it for the state (`/v1/tasks/<id>`, prefixed by the public base URL).")
    events_url: str = Field(description="Server-sent events of the state changes until a final state.")
    correlation_id: str


class TaskStatus(BaseModel):
    task_id: str
    name: str
    state: State
    result: Any = Field(default=None, description="The task's JSON result on SUCCESS (artifacts carry `url`).")
    error: dict[str, Any] | None = Field(
        default=None, description="The worker's structured error (`code`, `message`, `details`) on FAILURE."
    )
    correlation_id: str
    tenant: str
    created_at: str = Field(description="When the gateway accepted the task (UTC, ISO 8601).")
    done_at: str | None = Field(default=None, description="When the task reached its final state.")


class TaskInfo(BaseModel):
    name: str
    worker: str
    queue: str
    description: str
    payload_schema: dict[str, Any]
    result_schema: dict[str, Any] | None


class TaskList(BaseModel):
    tasks: list[TaskInfo]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid_payload`, `rate_limited`.")
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    error: ErrorDetail


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, bool]
