"""httpx clients for ANAF hosts on the kit's transport stack, and ANAF's error wording in one place.

``build_client`` stacks ``MappedTransport(AuthTransport(LimitedTransport(HTTPTransport)))`` (shared.integration):
every httpx error, limiter refusal and error status becomes the ANAF tree at that one boundary, with
``ANAF_ERRORS``. Call sites name the call (``extensions={OPERATION: "efactura.upload"}``) and only parse good
answers; an error that ANAF writes into a 200 body goes through ``error_for_message``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from anaf_core.config import AnafSettings
from anaf_core.errors import (
    AnafAuthError,
    AnafDailyLimitError,
    AnafDownloadExpiredError,
    AnafError,
    AnafProtocolError,
    AnafRateLimitError,
    AnafResponseError,
    AnafTransportError,
    AnafWafRejectionError,
)
from anaf_core.quota import seconds_until_ro_midnight
from shared.integration import StatusErrorMap, TokenProvider, stack
from shared.ratelimit import GcraLimiter

__all__ = ["ANAF_ERRORS", "build_client", "error_for_message", "is_waf_page"]

_DAILY_RE = re.compile(r"S-au (facut|incarcat) deja \d+", re.IGNORECASE)
_WAF_RE = re.compile(r"Request Rejected|support ID", re.IGNORECASE)


def build_client(
    settings: AnafSettings,
    *,
    base_url: str = "",
    limiter: GcraLimiter | None = None,
    auth: TokenProvider | None = None,
    keepalive: bool = True,
    transport: httpx.BaseTransport | None = None,
    read_timeout: float | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` for one ANAF host: timeouts, user agent, ANAF's errors, optional limiter and bearer.

    ``keepalive=False`` for webservicesp.anaf.ro, which resets idle keep-alive connections (ANAF.md §1).
    Connection errors are retried once by the transport (nothing was sent, so even a POST is safe).
    """
    inner = transport or httpx.HTTPTransport(
        retries=1,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10 if keepalive else 0),
    )
    timeout = httpx.Timeout(read_timeout or settings.read_timeout_s, connect=settings.connect_timeout_s)
    return httpx.Client(
        base_url=base_url,
        transport=stack(inner, errors=ANAF_ERRORS, auth=auth, limiter=limiter),
        timeout=timeout,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    )


def error_for_message(
    message: str, *, operation: str, status_code: int | None = None, body: str | bytes | None = None
) -> AnafError:
    """The exception for one of ANAF's error wordings (daily cap, technical error, rights, expiry...)."""
    kw: dict[str, Any] = {
        "operation": operation,
        "status_code": status_code,
        "messages": [message],
        "body": body,
    }
    text = f"{operation}: ANAF: {message}"
    if _DAILY_RE.search(message):
        return AnafDailyLimitError(text, retry_after=seconds_until_ro_midnight(), **kw)
    lowered = message.lower()
    if "eroare tehnica" in lowered:
        return AnafTransportError(text, request_sent=True, **kw)
    if "60 de zile" in lowered and "descarcat" in lowered:
        return AnafDownloadExpiredError(text, **kw)
    if "nu aveti drept" in lowered or "nu exista niciun cif" in lowered:
        return AnafAuthError(text, **kw)
    return AnafResponseError(text, **kw)


def is_waf_page(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "")
    return "html" in ctype and bool(_WAF_RE.search(response.text[:4000]))


def _refine(response: httpx.Response, operation: str, messages: list[str]) -> AnafError | None:
    """ANAF's own signals: the WAF page (HTTP 200 HTML), and wordings that say "daily cap" or "try later"."""
    status = response.status_code
    if status == 200 and is_waf_page(response):
        return AnafWafRejectionError(
            f"{operation}: request rejected by ANAF's web application firewall",
            operation=operation,
            status_code=status,
            body=response.content,
        )
    if 400 <= status < 500 and status not in (401, 403, 429):
        message = messages[0] if messages else f"HTTP {status}"
        return error_for_message(message, operation=operation, status_code=status, body=response.content)
    return None


#: How ANAF's failures become the ANAF tree (used by every client ``build_client`` makes).
ANAF_ERRORS = StatusErrorMap(
    transport=AnafTransportError,
    rate_limit=AnafRateLimitError,
    auth=AnafAuthError,
    rejected=AnafResponseError,
    protocol=AnafProtocolError,
    name="ANAF",
    refine=_refine,
)
