"""Errors of the REGES Online client: the kit's ``ApiError`` tree (``shared.integration``) for REGES.

    ApiError (shared.integration)      facts: operation, HTTP status, REGES's messages, a body excerpt
    └── RegesError                     anything raised while talking to REGES (``except RegesError``)
        ├── RegesTransportError        could not talk / 5xx (transient; ``request_sent``)
        ├── RegesRateLimitError        429 (transient, after ``retry_after``)
        ├── RegesAuthError             Keycloak refused the API credentials (``invalid_grant``,
        │                              ``unauthorized_client``), or 401/403 after a fresh token (permanent)
        ├── RegesRejectedError         HTTP 400/422: the message failed REGES's schema checks (permanent)
        └── RegesProtocolError         an answer we cannot parse, or an unexpected status (transient)

    PayloadError (shared.errors)       our own model / XSD checks refused the message before sending

``REGES_ERRORS`` is the one place where statuses and connection failures become this tree.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from shared.integration import StatusErrorMap
from shared.integration.errors import (
    ApiAuthError,
    ApiError,
    ApiProtocolError,
    ApiRateLimitError,
    ApiRejectedError,
    ApiTransportError,
)

__all__ = [
    "REGES_ERRORS",
    "RegesAuthError",
    "RegesError",
    "RegesProtocolError",
    "RegesRateLimitError",
    "RegesRejectedError",
    "RegesTransportError",
    "problem_messages",
]


class RegesError(ApiError):
    """Root of the REGES tree."""

    api: ClassVar[str] = "reges"
    code = "reges_error"


class RegesTransportError(ApiTransportError, RegesError):
    code = "reges_transport"


class RegesRateLimitError(ApiRateLimitError, RegesError):
    code = "reges_rate_limited"


class RegesAuthError(ApiAuthError, RegesError):
    code = "reges_auth"


class RegesRejectedError(ApiRejectedError, RegesError):
    code = "reges_rejected"


class RegesProtocolError(ApiProtocolError, RegesError):
    code = "reges_protocol"


def _unexpected(response: httpx.Response, operation: str, messages: list[str]) -> ApiError | None:
    """A redirect or other 3xx is not an answer of this API."""
    if 300 <= response.status_code < 400:
        return RegesProtocolError(
            f"{operation}: unexpected HTTP {response.status_code}",
            operation=operation,
            status_code=response.status_code,
            body=response.content,
        )
    return None


def problem_messages(response: httpx.Response) -> list[str]:
    """REGES's own wording: an ASP.NET problem (``title``, ``detail``, ``errors``), else the start of the body."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        text = " ".join(response.text[:300].split())
        return [text] if text else []
    if not isinstance(data, dict):
        return []
    out = [str(data[k]) for k in ("title", "detail", "message", "error", "error_description") if data.get(k)]
    errors = data.get("errors")
    items = errors.values() if isinstance(errors, dict) else errors if isinstance(errors, list) else []
    for item in items:
        out.extend(str(x) for x in (item if isinstance(item, list) else [item]))
    return out[:20]


#: How REGES's failures become the REGES tree.
REGES_ERRORS = StatusErrorMap(
    transport=RegesTransportError,
    rate_limit=RegesRateLimitError,
    auth=RegesAuthError,
    rejected=RegesRejectedError,
    protocol=RegesProtocolError,
    name="REGES",
    refine=_unexpected,
    messages=problem_messages,
)
