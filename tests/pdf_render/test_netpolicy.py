"""The network policy on its own: address classes, every IPv4 spelling, IPv6 embeddings, DNS answers."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence

import pytest

from pdf_render.netpolicy import NetworkPolicy, Verdict, classify_address, parse_host_address


def check(policy: NetworkPolicy, url: str) -> Verdict:
    return asyncio.run(policy.check(url))


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.169.254.", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::1", "::1"),
        ("example.com", None),
        ("xn--bcher-kva.example", None),
    ],
)
def test_every_ipv4_spelling_is_recognised(host: str, expected: str | None) -> None:
    parsed = parse_host_address(host)
    assert (str(parsed) if parsed is not None else None) == expected


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "0x1.0x2.0x3.0x4.0x5", "08.0.0.1", "256.0.0.1", "1.2.65536", "[::1%25eth0]"]
)
def test_malformed_numeric_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValueError):
        parse_host_address(host)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link_local"),
        ("100.64.0.1", "cgnat"),
        ("100.100.100.200", "metadata"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link_local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", "metadata"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("64:ff9b::7f00:1", "loopback"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"),
        ("::7f00:1", "reserved"),  # IPv4-compatible (deprecated) form
    ],
)
def test_forbidden_address_classes(address: str, reason: str) -> None:
    assert classify_address(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert classify_address(ipaddress.ip_address(address)) is None


def resolver(answers: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in answers:
            raise OSError(f"NXDOMAIN {host}")
        return answers[host]

    return resolve


def test_allowlisted_public_name_is_allowed_and_pinned_to_the_vetted_address() -> None:
    policy = NetworkPolicy(["assets.example.ro"], resolver=resolver({"assets.example.ro": ["93.184.216.34"]}))
    verdict = check(policy, "https://ASSETS.example.ro/logo.png")
    assert verdict.allowed, verdict
    assert verdict.addresses == ("93.184.216.34",)
    assert (verdict.host, verdict.port, verdict.scheme) == ("assets.example.ro", 443, "https")


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["127.0.0.1"], "loopback"),
        (["93.184.216.34", "10.0.0.7"], "private"),  # one bad answer is enough: no "pick the good one" games
        (["169.254.169.254"], "metadata"),
        (["::ffff:192.168.0.1"], "private"),
        (["64:ff9b::a9fe:a9fe"], "metadata"),
    ],
)
def test_names_resolving_into_forbidden_ranges_are_refused(answers: list[str], reason: str) -> None:
    policy = NetworkPolicy(["rebind.example.ro"], resolver=resolver({"rebind.example.ro": answers}))
    verdict = check(policy, "https://rebind.example.ro/")
    assert not verdict.allowed
    assert verdict.reason == reason
    assert verdict.addresses == ()


def test_real_dns_name_localhost_is_refused_even_when_allowlisted() -> None:
    policy = NetworkPolicy(["localhost", "localhost:8080"], allow_http=True)
    for url in ("http://localhost/", "http://LOCALHOST:8080/", "http://localhost.:8080/"):
        verdict = check(policy, url)
        assert not verdict.allowed and verdict.reason == "loopback", (url, verdict)


def test_trusted_networks_are_the_only_way_into_private_ranges() -> None:
    policy = NetworkPolicy(["127.0.0.2:8080"], ["127.0.0.2/32"], allow_http=True)
    assert check(policy, "http://127.0.0.2:8080/x").allowed
    assert not check(policy, "http://127.0.0.2:8081/x").allowed  # port is part of the allowlist entry
    assert check(policy, "http://127.0.0.1:8080/x").reason == "not_allowlisted"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme"),
        ("FILE:///etc/passwd", "scheme"),
        ("ftp://assets.example.ro/x", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http://assets.example.ro/", "scheme"),  # http is off unless enabled
        ("https://user:pw@assets.example.ro/", "invalid_url"),
        ("https://assets.example.ro\\@127.0.0.1/", "invalid_url"),
        ("https://assets.example.ro/\x00", "invalid_url"),
        ("https://other.example.ro/", "not_allowlisted"),
        ("https://example.ro/", "not_allowlisted"),
        ("https://[::1%25lo]/", "invalid_host"),
    ],
)
def test_refusals_without_any_network(url: str, reason: str) -> None:
    policy = NetworkPolicy(["assets.example.ro", "*.cdn.example.ro"], resolver=resolver({}))
    assert check(policy, url).reason == reason


def test_wildcards_cover_subdomains_only() -> None:
    policy = NetworkPolicy(["*.cdn.example.ro"], resolver=resolver({"a.cdn.example.ro": ["93.184.216.34"]}))
    assert check(policy, "https://a.cdn.example.ro/x").allowed
    assert check(policy, "https://cdn.example.ro/x").reason == "not_allowlisted"
    assert check(policy, "https://evilcdn.example.ro/x").reason == "not_allowlisted"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("PDF_URL_ALLOWLIST", "https://cdn.example.ro/"),
        ("PDF_URL_ALLOWLIST", "cdn.example.ro:https"),
        ("PDF_URL_ALLOWLIST", "user@cdn.example.ro"),
        ("PDF_TRUSTED_NETWORKS", "intranet"),
        ("PDF_TRUSTED_NETWORKS", "10.0.0.0/33"),
    ],
)
def test_settings_refuse_malformed_policy_entries(monkeypatch: pytest.MonkeyPatch, field: str, value: str) -> None:
    from pydantic import ValidationError

    from pdf_render.config import PdfRenderSettings

    monkeypatch.setenv(field, value)  # the environment is the settings' input, not our code
    with pytest.raises(ValidationError):
        PdfRenderSettings()


def test_settings_read_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    from pdf_render.config import PdfRenderSettings

    monkeypatch.setenv("PDF_URL_ALLOWLIST", "CDN.example.ro, *.assets.example.ro,127.0.0.2:8080")
    monkeypatch.setenv("PDF_TRUSTED_NETWORKS", "10.20.0.0/16,fd12::/64")
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/chromium")
    monkeypatch.setenv("PDF_TEMPLATE_DIR", "")
    settings = PdfRenderSettings()
    assert settings.template_dir is None
    assert settings.url_allowlist == ["cdn.example.ro", "*.assets.example.ro", "127.0.0.2:8080"]
    assert settings.trusted_networks == ["10.20.0.0/16", "fd12::/64"]
    assert str(settings.chromium_path) == "/opt/chromium"


def test_settings_read_the_package_prefix_and_the_old_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PDF_RENDER_*`` are the names; ``PDF_*`` and ``CHROMIUM_PATH`` still read; the new name wins."""
    from pdf_render.config import PdfRenderSettings

    monkeypatch.setenv("PDF_POOL_SIZE", "3")
    monkeypatch.setenv("PDF_MAX_PAGES", "12")
    monkeypatch.setenv("CHROMIUM_PATH", "/opt/vechi/chromium")
    old = PdfRenderSettings()
    assert (old.pool_size, old.max_pages, str(old.chromium_path)) == (3, 12, "/opt/vechi/chromium")
    monkeypatch.setenv("PDF_RENDER_POOL_SIZE", "5")
    monkeypatch.setenv("PDF_RENDER_CHROMIUM_PATH", "/opt/nou/chromium")
    new = PdfRenderSettings()
    assert (new.pool_size, new.max_pages, str(new.chromium_path)) == (5, 12, "/opt/nou/chromium")
