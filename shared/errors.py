"""The error taxonomy every worker shares; a task only ever needs to know these three branches.

    WorkerError                 root of every error raised on purpose by workers-core
    ├── PayloadError            bad input: structured validation error, fails at once, never retried
    ├── PermanentError          the work cannot succeed (a 5xx SMTP reply, ANAF said no): fails at once
    └── TransientError          could not talk / try later: retried with exponential backoff and jitter,
                                or after ``retry_after`` seconds when the remote side said so

Each external client has its own tree whose classes subclass one of these branches (for example
``AnafTransportError(TransientError)``), so the base task maps any of them to retry / fail without code
in the task body. ``to_dict()`` is the structured error stored in the task result and in events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["PayloadError", "PermanentError", "TransientError", "WorkerError", "error_dict", "fold_facts"]


class WorkerError(Exception):
    """Root of workers-core errors; carries a stable machine-readable ``code``.

    ``args`` holds the structured dict, so Celery's JSON result backend stores the whole error (the
    caller's ``AsyncResult.result`` rebuilds it, or shows the dict when our package is not installed).
    """

    code = "worker_error"
    retryable = False

    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ):
        if isinstance(message, Mapping):  # rebuilt from a stored result
            data = dict(message)
            message, code, details = data.get("message", ""), data.get("code"), data.get("details")
            self._restore(data)
        self.message = str(message)
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(self.to_dict())

    def _restore(self, data: dict[str, Any]) -> None:
        """Hook for subclasses to restore their own fields from a stored dict."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "retryable": self.retryable,
        }
        if self.details:
            out["details"] = self.details
        return out

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class PayloadError(WorkerError):
    """The payload is invalid; ``errors`` lists ``{"loc": [...], "msg": str, "type": str}`` items."""

    code = "invalid_payload"

    def __init__(
        self,
        message: str | Mapping[str, Any] = "payload validation failed",
        *,
        errors: Sequence[Mapping[str, Any]] = (),
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ):
        self.errors: list[dict[str, Any]] = [dict(e) for e in errors]
        super().__init__(message, code=code, details=details)

    def _restore(self, data: dict[str, Any]) -> None:
        self.errors = [dict(e) for e in data.get("errors") or ()]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["errors"] = self.errors
        return out

    @classmethod
    def from_validation_error(cls, exc: Any, message: str = "payload validation failed") -> PayloadError:
        """Build from a pydantic ``ValidationError`` (input values are not echoed back)."""
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        return cls(message, errors=errors)


class PermanentError(WorkerError):
    """The work failed for good; retrying cannot help."""

    code = "permanent_failure"


class TransientError(WorkerError):
    """A temporary failure; retried with backoff, or after ``retry_after`` seconds when given."""

    code = "transient_failure"
    retryable = True

    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        retry_after: float | None = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ):
        self.retry_after = retry_after
        super().__init__(message, code=code, details=details)

    def _restore(self, data: dict[str, Any]) -> None:
        self.retry_after = data.get("retry_after")

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        return out


def fold_facts(details: Mapping[str, Any] | None, **facts: Any) -> dict[str, Any]:
    """``details`` plus every fact that is not None: how a client tree keeps its triage facts in ``details``."""
    return {**(details or {}), **{key: value for key, value in facts.items() if value is not None}}


def error_dict(exc: BaseException) -> dict[str, Any]:
    """Structured form of any exception (ours keep their code; foreign ones become ``internal_error``)."""
    if isinstance(exc, WorkerError):
        return exc.to_dict()
    return {"type": type(exc).__name__, "code": "internal_error", "message": str(exc)[:2000], "retryable": False}
