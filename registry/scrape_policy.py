"""``ScrapePolicy``: which health endpoints the health-check job may fetch (the registry's SSRF guard).

A heartbeat names its ``health_endpoint``; the job fetches ``<endpoint>/metrics``. Before any connection:

1. the URL is ``http``/``https`` with a host and no user info;
2. the host is resolved once and every address must pass; the request then goes to that address (the
   name travels as ``Host`` and TLS SNI), so a DNS answer cannot change between check and connection;
3. an address passes when it is in ``REGISTRY_SCRAPE_ALLOWED_NETWORKS`` or the host is one of
   ``REGISTRY_SCRAPE_ALLOWED_HOSTS`` (operators' explicit choice); otherwise it must equal the address
   the instance's last register/heartbeat came from (so a worker can only point the registry at itself),
   and, outside development, must not be loopback, link-local, unspecified, multicast, reserved or a
   cloud metadata address.

Redirects are never followed, answers are capped (``REGISTRY_SCRAPE_MAX_BYTES``) and bodies never logged
(``healthcheck``).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Final

import anyio
import httpx

from registry.config import RegistrySettings

__all__ = ["METADATA_ADDRESSES", "ScrapePolicy", "ScrapeRefused", "ScrapeTarget"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: instance metadata services (AWS, GCP and Azure use 169.254.169.254; AWS ECS, AWS IPv6, Alibaba, Oracle)
METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "100.100.100.200",
        "192.0.0.192",
    )
)


class ScrapeRefused(Exception):
    """The endpoint is outside what the registry may scrape; the message says why (no retry)."""


@dataclass(frozen=True)
class ScrapeTarget:
    """Where to connect (``url`` with the checked address) and what to send as ``Host`` and SNI."""

    url: httpx.URL
    host_header: str
    sni_hostname: str


def _forbidden_kind(ip: IPAddress) -> str | None:
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
    )
    return next((f"a {name} address" for flagged, name in checks if flagged), None)


def _address(text: str | None) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address((text or "").strip("[]"))
    except ValueError:
        return None
    return ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip


class ScrapePolicy:
    """Checks health endpoints against the settings (module docstring); ``target`` raises ``ScrapeRefused``."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.networks = list(settings.scrape_allowed_networks)
        self.hosts = {host.lower().rstrip(".") for host in settings.scrape_allowed_hosts}
        self.development = settings.workers_core_env == "development"

    async def target(self, endpoint: str, peer: str | None) -> ScrapeTarget:
        url = httpx.URL(endpoint.rstrip("/") + "/metrics")
        if url.scheme not in ("http", "https") or not url.host or url.userinfo:
            raise ScrapeRefused("health endpoint must be an http(s) URL with a host and no user info")
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await self._resolve(url.host, port)
        for ip in addresses:
            self._check(url.host, ip, _address(peer))
        host_header = url.netloc.decode("ascii")
        return ScrapeTarget(url.copy_with(host=str(addresses[0])), host_header, url.host)

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        literal = _address(host)
        if literal is not None:
            return [literal]
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ScrapeRefused(f"health endpoint host {host!r} does not resolve: {exc}") from exc
        found = [_address(str(info[4][0])) for info in infos]
        addresses = list(dict.fromkeys(ip for ip in found if ip is not None))
        if not addresses:
            raise ScrapeRefused(f"health endpoint host {host!r} has no address")
        return addresses

    def _check(self, host: str, ip: IPAddress, peer: IPAddress | None) -> None:
        if host.lower().rstrip(".") in self.hosts or any(ip in net for net in self.networks):
            return
        kind = _forbidden_kind(ip)
        if kind is not None and not self.development:
            raise ScrapeRefused(f"health endpoint {host!r} resolves to {ip}, {kind}, refused outside development")
        if peer != ip:
            raise ScrapeRefused(
                f"health endpoint {host!r} resolves to {ip}, not to the address the instance's heartbeats come "
                f"from ({peer or 'unknown'}); allow it with REGISTRY_SCRAPE_ALLOWED_NETWORKS/_HOSTS"
            )
