"""The ANAF exception tree shared by every ANAF client (registry, e-Factura, e-Transport, OAuth).

    ApiError (shared.integration)     facts: operation, HTTP status, ANAF's messages, a body excerpt
    └── AnafError                     anything raised while talking to ANAF (``except AnafError``)
        ├── AnafTransportError        could not talk: connect/read errors, timeouts, 5xx, "eroare tehnica"
        │                             (transient; ``request_sent`` says whether a POST may have landed)
        ├── AnafRateLimitError        429, or our cluster-wide limiter had no slot in time (transient)
        │   └── AnafDailyLimitError   a daily cap ("S-au facut deja N ..."), ours or ANAF's: after midnight RO
        ├── AnafAuthError             401/403, invalid_grant, no token, refresh token expired (permanent)
        ├── AnafResponseError         "ANAF said no": ExecutionStatus=1, <Errors errorMessage>, {"eroare"} (permanent)
        │   ├── AnafDownloadExpiredError  the 60-day download window passed (terminal)
        │   └── AnafWafRejectionError     F5 WAF "Request Rejected" HTML page on webservicesp.anaf.ro
        └── AnafProtocolError         a body we cannot parse / an unexpected shape (transient)

Every class is also one of the kit's branches (``ApiTransportError``, ``ApiRejectedError``, ...), hence one
of ``shared.errors``'s three: tasks need no mapping code.
"""

from __future__ import annotations

from typing import ClassVar

from shared.integration.errors import (
    ApiAuthError,
    ApiError,
    ApiProtocolError,
    ApiRateLimitError,
    ApiRejectedError,
    ApiTransportError,
)

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


class AnafError(ApiError):
    """Root of the ANAF tree."""

    api: ClassVar[str] = "anaf"
    code = "anaf_error"


class AnafTransportError(ApiTransportError, AnafError):
    """Could not talk to ANAF (or ANAF answered 5xx / a technical error); retried with backoff.

    ``request_sent`` is False only when the request certainly never left (connect error, pool timeout,
    our own limiter), so a non-idempotent POST is safe to repeat; otherwise its outcome is unknown.
    """

    code = "anaf_unavailable"


class AnafRateLimitError(ApiRateLimitError, AnafError):
    """Rate limited (HTTP 429 or our cluster-wide limiter); ``retry_after`` seconds when known."""

    code = "anaf_rate_limited"


class AnafDailyLimitError(AnafRateLimitError):
    """A daily cap is spent (per message for stareMesaj/descarcare, per CUI for lists/RASP uploads)."""

    code = "anaf_daily_limit"


class AnafAuthError(ApiAuthError, AnafError):
    """Authentication/authorisation failed; a human must (re)run the OAuth bootstrap or grant SPV rights."""

    code = "anaf_auth"


class AnafResponseError(ApiRejectedError, AnafError):
    """ANAF understood the request and refused it; ``messages`` holds ANAF's own wording."""

    code = "anaf_rejected"


class AnafDownloadExpiredError(AnafResponseError):
    """The message can no longer be downloaded (60-day retention passed): terminal."""

    code = "anaf_download_expired"


class AnafWafRejectionError(AnafResponseError):
    """The F5 WAF in front of webservicesp.anaf.ro answered its "Request Rejected" page (HTTP 200 HTML)."""

    code = "anaf_waf_rejected"


class AnafProtocolError(ApiProtocolError, AnafError):
    """The answer could not be parsed or had an unexpected shape."""

    code = "anaf_bad_response"
