"""The ANAF exception tree shared by every ANAF client (registry, e-Factura, e-Transport, OAuth).

    WorkerError (shared.errors)
    └── AnafError                     anything raised while talking to ANAF; carries operation/status/body
        ├── AnafTransportError        could not talk: connect/read errors, timeouts, 5xx, "eroare tehnica"
        │                             (TransientError; ``request_sent`` says whether a POST may have landed)
        ├── AnafRateLimitError        429, or our cluster-wide limiter could not give a slot in time
        │   │                         (TransientError with ``retry_after``)
        │   └── AnafDailyLimitError   a per-message / per-CUI daily cap ("S-au facut deja N ..."), ours or
        │                             ANAF's: retry after midnight Romania time
        ├── AnafAuthError             401/403, invalid_grant, no token stored, refresh token expired:
        │                             needs the OAuth bootstrap (PermanentError)
        ├── AnafResponseError         "ANAF said no": an error message in the body (ExecutionStatus=1,
        │   │                         <Errors errorMessage>, {"eroare": ...}, HTTP 400 JSON) (PermanentError)
        │   ├── AnafDownloadExpiredError  the 60-day download window passed (terminal)
        │   └── AnafWafRejectionError     F5 WAF "Request Rejected" HTML page on webservicesp.anaf.ro
        └── AnafProtocolError         a body we cannot parse / an unexpected shape (TransientError: such
                                      glitches are usually a proxy page, retried with backoff)

Tasks need no mapping code: every class subclasses one branch of ``shared.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.errors import PermanentError, TransientError, WorkerError

__all__ = [
    "AnafAuthError",
    "AnafDailyLimitError",
    "AnafDownloadExpiredError",
    "AnafError",
    "AnafProtocolError",
    "AnafRateLimitError",
    "AnafResponseError",
    "AnafTransportError",
    "AnafWafRejectionError",
]

_BODY_EXCERPT = 500


class AnafError(WorkerError):
    """Mixin root: triage facts (operation, HTTP status, ANAF messages, body excerpt) in ``details``."""

    code = "anaf_error"

    def _init_anaf(
        self,
        operation: str | None,
        status_code: int | None,
        messages: Sequence[str],
        body: str | bytes | None,
    ) -> dict[str, Any]:
        self.operation = operation
        self.status_code = status_code
        self.messages = list(messages)
        if isinstance(body, bytes):
            body = body[:_BODY_EXCERPT].decode("utf-8", "replace")
        self.body = body[:_BODY_EXCERPT] if body else None
        details: dict[str, Any] = {}
        if operation:
            details["operation"] = operation
        if status_code is not None:
            details["status_code"] = status_code
        if self.messages:
            details["messages"] = self.messages
        if self.body:
            details["body"] = self.body
        return details

    def _restore(self, data: dict[str, Any]) -> None:
        """Rebuilt from a stored result: the triage facts come back from ``details``."""
        super()._restore(data)
        details = data.get("details") or {}
        self.operation = details.get("operation")
        self.status_code = details.get("status_code")
        self.messages = list(details.get("messages") or [])
        self.body = details.get("body")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"operation={getattr(self, 'operation', None)!r}, "
            f"status_code={getattr(self, 'status_code', None)!r})"
        )


class _AnafTransient(AnafError, TransientError):
    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        operation: str | None = None,
        status_code: int | None = None,
        messages: Sequence[str] = (),
        body: str | bytes | None = None,
        retry_after: float | None = None,
        code: str | None = None,
    ):
        details = self._init_anaf(operation, status_code, messages, body)
        TransientError.__init__(self, message, retry_after=retry_after, code=code, details=details or None)


class _AnafPermanent(AnafError, PermanentError):
    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        operation: str | None = None,
        status_code: int | None = None,
        messages: Sequence[str] = (),
        body: str | bytes | None = None,
        code: str | None = None,
    ):
        details = self._init_anaf(operation, status_code, messages, body)
        PermanentError.__init__(self, message, code=code, details=details or None)


class AnafTransportError(_AnafTransient):
    """Could not talk to ANAF (or ANAF answered 5xx / a technical error); retried with backoff.

    ``request_sent`` is False only when the request certainly never left (connect error, pool timeout,
    our own limiter), so a non-idempotent POST is safe to repeat; otherwise its outcome is unknown.
    """

    code = "anaf_unavailable"

    def __init__(self, message: str | Mapping[str, Any], *, request_sent: bool = True, **kw: Any):
        self.request_sent = request_sent
        super().__init__(message, **kw)


class AnafRateLimitError(_AnafTransient):
    """Rate limited (HTTP 429 or our cluster-wide limiter); ``retry_after`` seconds when known."""

    code = "anaf_rate_limited"


class AnafDailyLimitError(AnafRateLimitError):
    """A daily cap is spent (per message for stareMesaj/descarcare, per CUI for lists/RASP uploads)."""

    code = "anaf_daily_limit"


class AnafAuthError(_AnafPermanent):
    """Authentication/authorisation failed; a human must (re)run the OAuth bootstrap or grant SPV rights."""

    code = "anaf_auth"


class AnafResponseError(_AnafPermanent):
    """ANAF understood the request and refused it; ``messages`` holds ANAF's own wording."""

    code = "anaf_rejected"


class AnafDownloadExpiredError(AnafResponseError):
    """The message can no longer be downloaded (60-day retention passed): terminal."""

    code = "anaf_download_expired"


class AnafWafRejectionError(AnafResponseError):
    """The F5 WAF in front of webservicesp.anaf.ro answered its "Request Rejected" page (HTTP 200 HTML)."""

    code = "anaf_waf_rejected"


class AnafProtocolError(_AnafTransient):
    """The answer could not be parsed or had an unexpected shape."""

    code = "anaf_bad_response"
