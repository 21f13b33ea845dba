"""The transport stack of an external-API client: errors mapped once, bearer auth, cluster-wide pacing.

``stack(base, errors=..., auth=..., limiter=...)`` builds ``MappedTransport(AuthTransport(LimitedTransport(base)))``:

- ``LimitedTransport`` takes a slot from a ``GcraLimiter`` before each request (a replayed request takes one
  too: it is a second request on the wire) and reports completion after it;
- ``AuthTransport`` adds ``Authorization: Bearer`` and, on 401/403 with a token that may be stale, refreshes
  once and replays, so the layer above only ever sees the final answer;
- ``MappedTransport`` is the one boundary where httpx exceptions, limiter refusals and error statuses become
  the client's ``ApiError`` tree (``ErrorMap``); call sites only parse successful answers.

Request extensions: ``OPERATION`` names the call in errors and logs; ``ACCEPT_STATUS`` lists statuses the
caller interprets itself (e.g. a 404 that means "not there"); ``SLOT_RESERVED`` skips the limiter for a caller
that reserved its slot already (a batcher that waits for its slot before collecting the batch).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from shared.integration.errors import (
    ApiAuthError,
    ApiError,
    ApiProtocolError,
    ApiRateLimitError,
    ApiRejectedError,
    ApiTransportError,
)
from shared.ratelimit import GcraLimiter, RateLimiterUnavailable, SlotUnavailable

__all__ = [
    "ACCEPT_STATUS",
    "OPERATION",
    "SLOT_RESERVED",
    "AuthTransport",
    "ErrorMap",
    "LimitedTransport",
    "MappedTransport",
    "StatusErrorMap",
    "TokenProvider",
    "stack",
]

OPERATION = "workers_core_operation"
ACCEPT_STATUS = "workers_core_accept_status"
SLOT_RESERVED = "workers_core_slot_reserved"

#: httpx errors raised before any byte of the request left: repeating even a POST is safe
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


class ErrorMap(Protocol):
    """How one API's failures become its own exception tree."""

    def connection(self, operation: str, exc: Exception, *, sent: bool) -> ApiError: ...
    def rate_limited(self, operation: str, retry_after: float | None) -> ApiError: ...
    def for_response(self, response: httpx.Response, operation: str) -> ApiError | None: ...


def _retry_after(response: httpx.Response, default: float | None) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return default


def json_messages(response: httpx.Response) -> list[str]:
    """``message`` / ``error`` / ``eroare`` of a JSON error body (empty when there is none)."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    return [str(data[k]) for k in ("message", "eroare", "error", "error_description") if data.get(k)]


@dataclass(frozen=True)
class StatusErrorMap:
    """The common mapping: 429 -> rate limit, 401/403 -> auth, 5xx -> transport, other 4xx -> rejected.

    ``refine(response, operation, messages)`` may return a more precise error first (a WAF page on a 200, an
    API wording that means "try tomorrow"); ``default_retry_after`` is used for a 429 without the header.
    """

    transport: type[ApiTransportError]
    rate_limit: type[ApiRateLimitError]
    auth: type[ApiAuthError]
    rejected: type[ApiRejectedError]
    protocol: type[ApiProtocolError]
    name: str = "the API"
    refine: Callable[[httpx.Response, str, list[str]], ApiError | None] | None = None
    default_retry_after: float = 60.0
    messages: Callable[[httpx.Response], list[str]] = json_messages

    def connection(self, operation: str, exc: Exception, *, sent: bool) -> ApiError:
        what = "cannot connect to" if not sent else "connection failed mid-request to"
        return self.transport(f"{operation}: {what} {self.name}: {exc!r}", operation=operation, request_sent=sent)

    def rate_limited(self, operation: str, retry_after: float | None) -> ApiError:
        return self.rate_limit(
            f"{operation}: no slot for {self.name} now", operation=operation, retry_after=retry_after
        )

    def for_response(self, response: httpx.Response, operation: str) -> ApiError | None:
        status = response.status_code
        if status < 400 and self.refine is None:
            return None
        response.read()
        messages = self.messages(response) if status >= 400 else []
        if self.refine is not None and (refined := self.refine(response, operation, messages)) is not None:
            return refined
        facts: dict[str, Any] = {
            "operation": operation,
            "status_code": status,
            "body": response.content,
            "messages": messages,
        }
        said = f": {messages[0]}" if messages else ""
        if status == 429:
            return self.rate_limit(
                f"{operation}: rate limited by {self.name}",
                **facts,
                retry_after=_retry_after(response, self.default_retry_after),
            )
        if status in (401, 403):
            return self.auth(f"{operation}: {self.name} refused the credentials (HTTP {status}){said}", **facts)
        if status >= 500:
            return self.transport(
                f"{operation}: {self.name} answered HTTP {status}{said}",
                **facts,
                request_sent=True,
                retry_after=_retry_after(response, None),
            )
        if status >= 400:
            return self.rejected(f"{operation}: {self.name} answered HTTP {status}{said}", **facts)
        return None


class LimitedTransport(httpx.BaseTransport):
    """Takes a slot (``limiter.acquire``) before every request unless ``SLOT_RESERVED``; then delegates."""

    def __init__(self, inner: httpx.BaseTransport, limiter: GcraLimiter, subject: str = ""):
        self._inner = inner
        self._limiter = limiter
        self._subject = subject

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.extensions.get(SLOT_RESERVED):
            self._limiter.acquire(self._subject)
        try:
            return self._inner.handle_request(request)
        finally:
            self._limiter.completed(self._subject)  # the answer is in: spacing (if any) counts from here

    def close(self) -> None:
        self._inner.close()


class TokenProvider(Protocol):
    """A bearer token source: ``token()``; ``refreshed(stale)`` a new one, or None when refreshing cannot help."""

    def token(self) -> str: ...
    def refreshed(self, stale: str) -> str | None: ...


class AuthTransport(httpx.BaseTransport):
    """``Authorization: Bearer <token>``; one refresh and replay when the API refuses a possibly stale token."""

    def __init__(self, inner: httpx.BaseTransport, tokens: TokenProvider):
        self._inner = inner
        self._tokens = tokens

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a replay needs the body again
        token = self._tokens.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = self._inner.handle_request(request)
        if response.status_code not in (401, 403):
            return response
        fresh = self._tokens.refreshed(token)
        if fresh is None:
            return response
        response.close()
        request.headers["Authorization"] = f"Bearer {fresh}"
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class MappedTransport(httpx.BaseTransport):
    """The one place where a client's failures become its ``ApiError`` tree (see ``ErrorMap``)."""

    def __init__(self, inner: httpx.BaseTransport, errors: ErrorMap):
        self._inner = inner
        self._errors = errors

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        operation = str(request.extensions.get(OPERATION) or f"{request.method} {request.url.path}")
        try:
            response = self._inner.handle_request(request)
        except ApiError:
            raise
        except SlotUnavailable as exc:
            raise self._errors.rate_limited(operation, exc.retry_after) from exc
        except RateLimiterUnavailable as exc:
            raise self._errors.connection(operation, exc, sent=False) from exc
        except _NOT_SENT as exc:
            raise self._errors.connection(operation, exc, sent=False) from exc
        except httpx.TransportError as exc:
            raise self._errors.connection(operation, exc, sent=True) from exc
        accepted: Iterable[int] = request.extensions.get(ACCEPT_STATUS) or ()
        if response.status_code in accepted:
            return response
        error = self._errors.for_response(response, operation)
        if error is not None:
            response.close()
            raise error
        return response

    def close(self) -> None:
        self._inner.close()


def stack(
    base: httpx.BaseTransport,
    *,
    errors: ErrorMap,
    auth: TokenProvider | None = None,
    limiter: GcraLimiter | None = None,
    subject: str = "",
) -> httpx.BaseTransport:
    """``MappedTransport(AuthTransport(LimitedTransport(base)))``, leaving out what is not given."""
    transport = LimitedTransport(base, limiter, subject) if limiter is not None else base
    if auth is not None:
        transport = AuthTransport(transport, auth)
    return MappedTransport(transport, errors)
