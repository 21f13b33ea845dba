"""Network policy of rendered pages: which URLs a page may load, decided on Chromium's canonical URL.

Deny by default. A URL passes only when its scheme is ``https`` (``http`` if enabled), its host is on the
allowlist, and every address the host resolves to is public (or inside an explicitly trusted network).
Refused, whatever the allowlist says: ``file:`` and every other scheme, loopback, RFC 1918 / ULA private,
link-local (cloud metadata 169.254.169.254, fd00:ec2::254), CGNAT, multicast, reserved and unspecified
addresses, including the same addresses written as IPv4-mapped / 6to4 / NAT64 / Teredo IPv6, as a decimal,
octal or hex number (``2130706433``, ``0177.1``, ``0x7f.1``) or behind a DNS name. Schemes and hosts are
compared case-insensitively. The addresses a verdict was made on are the ones the fetcher connects to
(DNS is resolved once and pinned, so a rebinding answer cannot slip in between check and use).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["NetworkPolicy", "Resolver", "Verdict", "classify_address", "parse_allow_entry", "parse_host_address"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200", "192.0.0.192", "fd00:ec2::254")
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NUMBER_LABEL = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
_FORBIDDEN_URL_CHARS = re.compile(r"[\\\s\x00-\x1f\x7f]")


class UrlRefused(ValueError):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True)
class Verdict:
    """The decision on one URL; ``addresses`` are the vetted IPs to connect to (in resolver order)."""

    url: str
    allowed: bool
    reason: str
    detail: str = ""
    scheme: str = ""
    host: str = ""
    port: int = 0
    addresses: tuple[str, ...] = field(default=())


def _ipv4_from_labels(host: str) -> ipaddress.IPv4Address | None:
    """WHATWG "ends in a number" IPv4 parsing: ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` -> 127.0.0.1."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels = labels[:-1]
    if not labels or not _NUMBER_LABEL.match(labels[-1]):
        return None
    if len(labels) > 4:
        raise UrlRefused("invalid_host", f"not a valid IPv4 address: {host!r}")
    numbers: list[int] = []
    for label in labels:
        if label.lower().startswith("0x"):
            digits, base = label[2:] or "0", 16
        elif len(label) > 1 and label.startswith("0"):
            digits, base = label[1:], 8
        else:
            digits, base = label, 10
        try:
            numbers.append(int(digits, base))
        except ValueError:
            raise UrlRefused("invalid_host", f"not a valid IPv4 address: {host!r}") from None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise UrlRefused("invalid_host", f"IPv4 address out of range: {host!r}")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def parse_host_address(host: str) -> IPAddress | None:
    """The IP a URL host literally denotes (any IPv4 spelling, bracketed IPv6), or None for a DNS name."""
    h = host.strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if "%" in h:
        raise UrlRefused("invalid_host", "IPv6 zone identifiers are not allowed")
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    if ":" in h:
        raise UrlRefused("invalid_host", f"not a valid IPv6 address: {host!r}")
    return _ipv4_from_labels(h)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify_address(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be contacted (``loopback``, ``private``, ``metadata``...), or None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return "teredo"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return classify_address(embedded)
    if ip in _METADATA:
        return "metadata"
    checks: tuple[tuple[str, bool], ...] = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link_local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("cgnat", isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    )
    for reason, hit in checks:
        if hit:
            return reason
    if not ip.is_global:
        return "non_public"
    return None


async def _system_resolver(host: str, port: int) -> Sequence[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0])
    return list(seen)


@dataclass(frozen=True)
class _AllowEntry:
    pattern: str
    port: int | None

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.pattern.startswith("*."):
            return host.endswith(self.pattern[1:]) and host != self.pattern[2:]
        return host == self.pattern


def _idna(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UrlRefused("invalid_host", f"host is not a valid domain name: {host!r}") from None


def parse_allow_entry(entry: str) -> _AllowEntry:
    """``host``, ``*.domain``, ``host:port``, ``[v6]:port`` -> an allowlist entry (ValueError when malformed)."""
    entry = entry.strip().lower()
    port: int | None = None
    if entry.startswith("["):
        end = entry.index("]")
        host, rest = entry[: end + 1], entry[end + 1 :]
        if rest.startswith(":"):
            port = int(rest[1:])
    elif entry.count(":") == 1:
        host, port_text = entry.split(":")
        port = int(port_text)
    else:
        host = entry
    address = parse_host_address(host) if not host.startswith("*.") else None
    return _AllowEntry(str(address) if address is not None else _idna(host), port)


class NetworkPolicy:
    """Decides, per URL, whether a page may load it and which vetted addresses to connect to."""

    def __init__(
        self,
        allowlist: Iterable[str] = (),
        trusted_networks: Iterable[str] = (),
        *,
        allow_http: bool = False,
        resolver: Resolver | None = None,
    ):
        self.allowlist = tuple(parse_allow_entry(e) for e in allowlist if e.strip())
        self.trusted = tuple(ipaddress.ip_network(n, strict=False) for n in trusted_networks)
        self.schemes = frozenset({"https", "http"} if allow_http else {"https"})
        self._resolve = resolver or _system_resolver

    def _trusted(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.trusted)

    def address_problem(self, ip: IPAddress) -> str | None:
        """Reason ``ip`` is refused, or None (trusted networks override the address classes)."""
        if self._trusted(ip):
            return None
        return classify_address(ip)

    def _split(self, url: str) -> tuple[str, str, int, IPAddress | None]:
        if len(url) > 8192:
            raise UrlRefused("invalid_url", "URL longer than 8192 characters")
        if _FORBIDDEN_URL_CHARS.search(url):
            raise UrlRefused("invalid_url", "URL contains backslashes, whitespace or control characters")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in self.schemes:
            raise UrlRefused("scheme", f"scheme {scheme or '(none)'!r} is not allowed")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise UrlRefused("invalid_url", "credentials in URLs are not allowed")
        if not parts.hostname:
            raise UrlRefused("invalid_host", "URL has no host")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise UrlRefused("invalid_url", "invalid port") from None
        literal = parse_host_address(parts.hostname)
        host = str(literal) if literal is not None else _idna(parts.hostname)
        return scheme, host, port, literal

    async def check(self, url: str) -> Verdict:
        """The verdict on ``url``; resolves the host (once) when it is a name."""
        try:
            scheme, host, port, literal = self._split(url)
        except UrlRefused as exc:
            return Verdict(url, False, exc.reason, str(exc))

        def refuse(reason: str, detail: str) -> Verdict:
            return Verdict(url, False, reason, detail, scheme=scheme, host=host, port=port)

        if not any(entry.matches(host, port) for entry in self.allowlist):
            return refuse("not_allowlisted", f"host {host}:{port} is not on the allowlist")
        if literal is not None:
            addresses: Sequence[str] = [str(literal)]
        else:
            try:
                addresses = await self._resolve(host, port)
            except (OSError, UnicodeError) as exc:
                return refuse("dns", f"{host} did not resolve: {exc}")
            if not addresses:
                return refuse("dns", f"{host} resolved to nothing")
        for text in addresses:
            ip = ipaddress.ip_address(text)
            problem = self.address_problem(ip)
            if problem is not None:
                where = "" if literal is not None else f" ({host} resolves to {ip})"
                return refuse(problem, f"{problem} address refused{where}")
        return Verdict(url, True, "allowed", scheme=scheme, host=host, port=port, addresses=tuple(addresses))
