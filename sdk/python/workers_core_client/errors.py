"""One exception tree for both transports: a caller handles the same errors over Celery and over the gateway.

WorkersCoreError            root (``code``, ``message``, ``details``)
├── TaskFailed              the task ran and failed (the worker's structured error); also a revoked task
├── TaskTimeout             no final state within the caller's timeout (the task may still finish)
├── InvalidPayload          the payload does not match the task's schema (checked before sending) / 413
├── Unauthorized            401: no, a bad or an expired token
│   └── Forbidden           403: the token's scopes do not allow this task
├── NotFound                404: unknown task name, or a task id this caller cannot see
├── Conflict                409: the idempotency key was used with another payload
├── RateLimited             429: ``retry_after`` seconds
└── Unavailable             503 / broker, backend or gateway unreachable, publish not confirmed
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidPayload",
    "NotFound",
    "RateLimited",
    "TaskFailed",
    "TaskTimeout",
    "Unauthorized",
    "Unavailable",
    "WorkersCoreError",
    "error_for_status",
]


class WorkersCoreError(Exception):
    """Root of every error the client raises; ``code`` is stable and machine-readable."""

    default_code = "workers_core_error"

    def __init__(self, message: str, *, code: str | None = None, details: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class TaskFailed(WorkersCoreError):
    default_code = "task_failed"

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None):
        super().__init__(message, code=code, details=details)


class TaskTimeout(WorkersCoreError):
    default_code = "task_timeout"


class InvalidPayload(WorkersCoreError):
    default_code = "invalid_payload"


class Unauthorized(WorkersCoreError):
    default_code = "unauthorized"


class Forbidden(Unauthorized):
    default_code = "forbidden"


class NotFound(WorkersCoreError):
    default_code = "not_found"


class Conflict(WorkersCoreError):
    default_code = "conflict"


class RateLimited(WorkersCoreError):
    default_code = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: float, code: str | None = None, details: Mapping[str, Any] | None = None
    ):
        super().__init__(message, code=code, details=details)
        self.retry_after = retry_after


class Unavailable(WorkersCoreError):
    default_code = "unavailable"


_BY_STATUS: dict[int, type[WorkersCoreError]] = {
    400: InvalidPayload,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: InvalidPayload,
    422: InvalidPayload,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_for_status(status: int, body: Mapping[str, Any] | None, retry_after: float | None = None) -> WorkersCoreError:
    """The error of a gateway answer (``{"error": {"code", "message", "details"}}``)."""
    error = (body or {}).get("error") if isinstance(body, Mapping) else None
    error = error if isinstance(error, Mapping) else {}
    code = str(error.get("code") or f"http_{status}")
    message = str(error.get("message") or f"gateway answered {status}")
    details = error.get("details") if isinstance(error.get("details"), Mapping) else None
    if status == 429:
        return RateLimited(
            message, retry_after=retry_after if retry_after is not None else 1.0, code=code, details=details
        )
    cls = _BY_STATUS.get(status, Unavailable if status >= 500 else WorkersCoreError)
    return cls(message, code=code, details=details)
