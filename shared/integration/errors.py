"""``ApiError``: the root every external-API client tree stands on, with the facts triage needs.

    WorkerError (shared.errors)
    └── ApiError                    facts: api, operation, HTTP status, the API's own messages, a body excerpt
        ├── ApiTransportError       could not talk, or 5xx (TransientError; ``request_sent``: may a POST
        │                           have landed?)
        ├── ApiRateLimitError       429 or our own limiter (TransientError with ``retry_after``)
        ├── ApiProtocolError        an answer we cannot parse (TransientError: usually a proxy page)
        ├── ApiAuthError            401/403, expired or missing credentials (PermanentError)
        └── ApiRejectedError        "they said no": a 4xx or an error in the body (PermanentError)

A client subclasses one branch per leaf and sets ``api`` (``class AnafTransportError(ApiTransportError)``),
so every tree is two levels deep and the task base class maps it to retry / fail with no code in tasks.
The facts live in ``details`` so they survive the result backend (``_restore``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from shared.errors import PermanentError, TransientError, WorkerError

__all__ = ["ApiAuthError", "ApiError", "ApiProtocolError", "ApiRateLimitError", "ApiRejectedError", "ApiTransportError"]

BODY_EXCERPT = 500


class ApiError(WorkerError):
    """Root of every client tree: ``api``, ``operation``, ``status_code``, ``messages``, ``body``."""

    api: ClassVar[str] = "api"
    code = "api_error"

    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        operation: str | None = None,
        status_code: int | None = None,
        messages: Sequence[str] = (),
        body: str | bytes | None = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
        **base: Any,
    ):
        self.operation = operation
        self.status_code = status_code
        self.messages = [str(m) for m in messages]
        if isinstance(body, bytes):
            body = body[:BODY_EXCERPT].decode("utf-8", "replace")
        self.body = body[:BODY_EXCERPT] if body else None
        facts: dict[str, Any] = {"api": self.api, **(details or {})}
        for key, value in (("operation", operation), ("status_code", status_code), ("body", self.body)):
            if value is not None:
                facts[key] = value
        if self.messages:
            facts["messages"] = self.messages
        super().__init__(message, code=code, details=facts, **base)  # base: the branch's own (``retry_after``)

    def _restore(self, data: dict[str, Any]) -> None:
        super()._restore(data)
        details = data.get("details") or {}
        self.operation = details.get("operation")
        self.status_code = details.get("status_code")
        self.messages = list(details.get("messages") or [])
        self.body = details.get("body")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"operation={getattr(self, 'operation', None)!r}, status_code={getattr(self, 'status_code', None)!r})"
        )


class _Transient(ApiError, TransientError):
    def __init__(self, message: str | Mapping[str, Any], *, retry_after: float | None = None, **facts: Any):
        ApiError.__init__(self, message, retry_after=retry_after, **facts)  # reaches TransientError.__init__

    def _restore(self, data: dict[str, Any]) -> None:
        ApiError._restore(self, data)
        self.retry_after = data.get("retry_after")


class ApiTransportError(_Transient):
    """Could not talk to the API (or it answered 5xx); ``request_sent`` False only when nothing left."""

    code = "api_unavailable"

    def __init__(self, message: str | Mapping[str, Any], *, request_sent: bool = True, **kw: Any):
        if not request_sent:
            kw["details"] = {**(kw.get("details") or {}), "request_sent": False}
        super().__init__(message, **kw)
        if not isinstance(message, Mapping):
            self.request_sent = request_sent

    def _restore(self, data: dict[str, Any]) -> None:
        super()._restore(data)
        self.request_sent = (data.get("details") or {}).get("request_sent", True)


class ApiRateLimitError(_Transient):
    """Rate limited by the API (429) or by our cluster-wide limiter; ``retry_after`` seconds when known."""

    code = "api_rate_limited"


class ApiProtocolError(_Transient):
    """The answer could not be parsed or had an unexpected shape."""

    code = "api_bad_response"


class ApiAuthError(ApiError, PermanentError):
    """Credentials refused, missing or expired: a human must act."""

    code = "api_auth"


class ApiRejectedError(ApiError, PermanentError):
    """The API understood the request and refused it; ``messages`` holds its own wording."""

    code = "api_rejected"
