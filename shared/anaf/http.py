"""httpx client factory for ANAF hosts, and the one boundary where httpx errors and statuses become ours."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from shared.anaf.config import AnafSettings
from shared.anaf.errors import (
    AnafAuthError,
    AnafDailyLimitError,
    AnafDownloadExpiredError,
    AnafError,
    AnafRateLimitError,
    AnafResponseError,
    AnafTransportError,
    AnafWafRejectionError,
)
from shared.anaf.ratelimit import RateLimiter, seconds_until_ro_midnight

__all__ = [
    "SLOT_RESERVED",
    "LimitedTransport",
    "build_client",
    "check_response",
    "error_for_message",
    "is_waf_page",
    "translate_errors",
]

_DAILY_RE = re.compile(r"S-au (facut|incarcat) deja \d+", re.IGNORECASE)
_WAF_RE = re.compile(r"Request Rejected|support ID", re.IGNORECASE)


#: Request extension for callers that already took a slot themselves (e.g. a batcher that waits for its slot
#: first, so the batch it then collects is as full as possible): ``extensions={SLOT_RESERVED: True}``.
#: The transport still marks the call completed when the answer arrives.
SLOT_RESERVED = "anaf_slot_reserved"


class LimitedTransport(httpx.BaseTransport):
    """Takes a slot from a cluster-wide ``RateLimiter`` before every request, then delegates."""

    def __init__(self, inner: httpx.BaseTransport, limiter: RateLimiter):
        self._inner = inner
        self._limiter = limiter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.extensions.get(SLOT_RESERVED):
            self._limiter.acquire()
        try:
            return self._inner.handle_request(request)
        finally:
            self._limiter.completed()  # the answer is in: spacing (if any) counts from here

    def close(self) -> None:
        self._inner.close()


def build_client(
    settings: AnafSettings,
    *,
    base_url: str = "",
    limiter: RateLimiter | None = None,
    auth: httpx.Auth | None = None,
    keepalive: bool = True,
    transport: httpx.BaseTransport | None = None,
    read_timeout: float | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` for one ANAF host: timeouts, user agent, optional limiter and bearer auth.

    ``keepalive=False`` for webservicesp.anaf.ro, which resets idle keep-alive connections (ANAF.md §1).
    Connection errors are retried once by the transport (nothing was sent, so even a POST is safe).
    """
    inner = transport or httpx.HTTPTransport(
        retries=1,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10 if keepalive else 0),
    )
    if limiter is not None:
        inner = LimitedTransport(inner, limiter)
    timeout = httpx.Timeout(read_timeout or settings.read_timeout_s, connect=settings.connect_timeout_s)
    return httpx.Client(
        base_url=base_url,
        transport=inner,
        timeout=timeout,
        auth=auth,
        headers={"User-Agent": settings.user_agent},
        follow_redirects=False,
    )


@contextmanager
def translate_errors(operation: str) -> Iterator[None]:
    """Map httpx exceptions to ``AnafTransportError`` (``request_sent``: may a POST have landed?)."""
    try:
        yield
    except AnafError:
        raise
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol) as exc:
        raise AnafTransportError(
            f"{operation}: cannot connect to ANAF: {exc!r}", operation=operation, request_sent=False
        ) from exc
    except httpx.HTTPError as exc:
        raise AnafTransportError(
            f"{operation}: connection to ANAF failed mid-request: {exc!r}",
            operation=operation,
            request_sent=True,
        ) from exc


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


def _retry_after(response: httpx.Response, default: float) -> float:
    raw = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return default


def check_response(response: httpx.Response, operation: str) -> httpx.Response:
    """Raise the matching ``AnafError`` for a non-success answer; return the response otherwise."""
    status = response.status_code
    if status == 429:
        raise AnafRateLimitError(
            f"{operation}: rate limited by ANAF",
            operation=operation,
            status_code=status,
            retry_after=_retry_after(response, 60.0),
            body=response.content,
        )
    if status in (401, 403):
        raise AnafAuthError(
            f"{operation}: ANAF refused the credentials (HTTP {status})",
            operation=operation,
            status_code=status,
            body=response.content,
        )
    if status >= 500:
        raise AnafTransportError(
            f"{operation}: ANAF answered HTTP {status}",
            operation=operation,
            status_code=status,
            body=response.content,
            request_sent=True,
            retry_after=_retry_after(response, 0.0) or None,
        )
    if status == 200 and is_waf_page(response):
        raise AnafWafRejectionError(
            f"{operation}: request rejected by ANAF's web application firewall",
            operation=operation,
            status_code=status,
            body=response.content,
        )
    if status >= 400:
        message = f"HTTP {status}"
        try:
            data = response.json()
            if isinstance(data, dict):
                message = str(data.get("message") or data.get("eroare") or data.get("error") or message)
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
        raise error_for_message(message, operation=operation, status_code=status, body=response.content)
    return response
