"""Fetches what a rendered page may load, for Chromium: vetted by the policy, DNS pinned, bounded.

Chromium itself never opens a connection (``--host-resolver-rules=MAP * ~NOTFOUND``); every request a page
makes reaches the route handler, which asks this fetcher. The fetcher connects to the exact address the
policy vetted (Host header and TLS SNI keep the name, certificates are verified against it), follows
redirects itself re-checking every hop, and enforces per-resource and per-render byte and request budgets.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from pdf_render.netpolicy import NetworkPolicy, Verdict

__all__ = ["Budget", "FetchFailed", "FetchRefused", "Fetched", "ResourceFetcher"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_FORWARDED_REQUEST_HEADERS = ("user-agent", "accept", "accept-language")
_KEPT_RESPONSE_HEADERS = ("content-type", "content-language")
_MAX_CLIENTS = 32
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefused(Exception):
    def __init__(self, verdict: Verdict):
        super().__init__(f"{verdict.reason}: {verdict.detail or verdict.url}")
        self.verdict = verdict


class FetchFailed(Exception):
    """The resource could not be fetched (network error, limit exceeded, too many redirects)."""


@dataclass
class Budget:
    """What one render may still fetch."""

    max_requests: int
    max_bytes: int
    requests: int = 0
    bytes: int = 0
    refused: list[Verdict] = field(default_factory=list)

    def take_request(self) -> None:
        self.requests += 1
        if self.requests > self.max_requests:
            raise FetchFailed(f"more than {self.max_requests} requests in one render")


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def _pinned_url(url: str, address: str) -> httpx.URL:
    return httpx.URL(url).copy_with(host=str(ipaddress.ip_address(address)))


def _host_header(verdict: Verdict) -> str:
    host = f"[{verdict.host}]" if ":" in verdict.host else verdict.host
    return host if verdict.port == _DEFAULT_PORTS[verdict.scheme] else f"{host}:{verdict.port}"


class ResourceFetcher:
    """One per browser host; must be used from the host's event loop."""

    def __init__(self, policy: NetworkPolicy, *, timeout: float, max_bytes: int, max_redirects: int):
        self.policy = policy
        self.timeout = httpx.Timeout(timeout)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._clients: OrderedDict[tuple[str, str, int], httpx.AsyncClient] = OrderedDict()

    async def _client(self, verdict: Verdict) -> httpx.AsyncClient:
        # one client per origin: a pooled TLS connection is never reused for another name on the same IP
        key = (verdict.scheme, verdict.host, verdict.port)
        client = self._clients.get(key)
        if client is None:
            client = httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=self.timeout)
            self._clients[key] = client
            while len(self._clients) > _MAX_CLIENTS:
                _, old = self._clients.popitem(last=False)
                await old.aclose()
        else:
            self._clients.move_to_end(key)
        return client

    async def fetch(self, url: str, *, method: str, headers: Mapping[str, str], budget: Budget) -> Fetched:
        """GET/HEAD ``url`` for the page; raises ``FetchRefused`` or ``FetchFailed``."""
        if method not in ("GET", "HEAD"):
            raise FetchFailed(f"method {method} is not allowed for page resources")
        forward = {k: v for k, v in headers.items() if k.lower() in _FORWARDED_REQUEST_HEADERS}
        current = url
        for _hop in range(self.max_redirects + 1):
            verdict = await self.policy.check(current)
            if not verdict.allowed:
                budget.refused.append(verdict)
                raise FetchRefused(verdict)
            budget.take_request()
            response = await self._send(verdict, current, method, forward, budget)
            location = response.headers.get("location")
            if response.status in _REDIRECTS and location:
                current = urljoin(current, location)
                if response.status == 303:
                    method = "GET"
                continue
            return response
        raise FetchFailed(f"more than {self.max_redirects} redirects")

    async def _send(self, verdict: Verdict, url: str, method: str, headers: dict[str, str], budget: Budget) -> Fetched:
        client = await self._client(verdict)
        host_header = _host_header(verdict)
        extensions = {"sni_hostname": verdict.host} if verdict.scheme == "https" else {}
        last_error: Exception | None = None
        for address in verdict.addresses:
            request = client.build_request(
                method,
                _pinned_url(url, address),
                headers={**headers, "Host": host_header},
                extensions=extensions,
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.TransportError as exc:
                last_error = exc
                continue
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchFailed(f"resource larger than {self.max_bytes} bytes: {url}")
                    if budget.bytes + len(body) > budget.max_bytes:
                        raise FetchFailed(f"render fetched more than {budget.max_bytes} bytes")
            except httpx.HTTPError as exc:
                raise FetchFailed(f"{url}: {exc}") from exc
            finally:
                await response.aclose()
            budget.bytes += len(body)
            kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS}
            if "location" in response.headers:
                kept["location"] = response.headers["location"]
            return Fetched(response.status_code, kept, bytes(body), url)
        raise FetchFailed(f"{url}: {last_error!r}")

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()
