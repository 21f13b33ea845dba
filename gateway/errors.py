"""Errors the gateway answers with; each knows its HTTP status and code.

GatewayError                      root (500)
├── AuthError               401  missing, malformed, expired, forged token, wrong audience
│   └── ScopeError          403  valid token without the scope for this task
├── UnknownTaskError        404  unknown_task: no such task in the committed contracts
├── TaskNotFoundError       404  task_not_found: unknown task id, or another tenant's
├── InvalidPayloadError     422  invalid_payload: the body does not match the payload schema (details.errors)
├── BadRequestError         400  bad_request: unreadable JSON, bad header values
├── IdempotencyConflict     409  idempotency_key_reused: same key, different body
├── RateLimitedError        429  rate_limited (``retry_after`` seconds)
└── UnavailableError        503  broker_unavailable / store_unavailable (retry later)

The body is always ``{"error": {"code": str, "message": str, "details": {...}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthError",
    "BadRequestError",
    "GatewayError",
    "IdempotencyConflict",
    "InvalidPayloadError",
    "RateLimitedError",
    "ScopeError",
    "TaskNotFoundError",
    "UnavailableError",
    "UnknownTaskError",
    "error_body",
]


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape of the gateway."""
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


class GatewayError(Exception):
    code = "internal_error"
    status_code = 500

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


class AuthError(GatewayError):
    code = "unauthorized"
    status_code = 401


class ScopeError(AuthError):
    code = "insufficient_scope"
    status_code = 403


class UnknownTaskError(GatewayError):
    code = "unknown_task"
    status_code = 404


class TaskNotFoundError(GatewayError):
    code = "task_not_found"
    status_code = 404


class InvalidPayloadError(GatewayError):
    code = "invalid_payload"
    status_code = 422


class BadRequestError(GatewayError):
    code = "bad_request"
    status_code = 400


class IdempotencyConflict(GatewayError):
    code = "idempotency_key_reused"
    status_code = 409


class RateLimitedError(GatewayError):
    code = "rate_limited"
    status_code = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, details={"retry_after_s": round(retry_after, 3)})
        self.retry_after = retry_after


class UnavailableError(GatewayError):
    code = "store_unavailable"
    status_code = 503
