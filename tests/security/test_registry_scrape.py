"""Issue 16 item 2: the health-check job only scrapes where the worker is (SSRF guard), follows no redirect,
reads a capped answer and never logs it. Canary servers on loopback must receive zero hits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from structlog.testing import capture_logs

from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.scrape_policy import ScrapePolicy, ScrapeRefused
from tests.security.registry_canary import METRICS, Canary
from tests.security.registry_fixtures import (  # noqa: F401 - pytest fixtures
    bearer,
    clean_registry,
    client_for,
    make_settings,
    registry_pg_url,
    registry_redis_url,
    run_job,
)

BEAT = bearer(SCOPE_HEARTBEAT, tag="ocr")


@pytest.fixture
def canaries() -> Iterator[Callable[..., Canary]]:
    made: list[Canary] = []

    def _make(*args: Any, **kwargs: Any) -> Canary:
        made.append(Canary(*args, **kwargs))
        return made[-1]

    yield _make
    for canary in made:
        canary.close()


def _scrape(settings: RegistrySettings, endpoint: str, peer: str = "127.0.0.1") -> dict[str, Any]:
    """Register an ocr instance naming ``endpoint`` from ``peer``, run one health check, return the instance."""
    with client_for(settings, peer=peer) as client:
        answer = client.post(
            "/v1/workers/ocr/instances", headers=BEAT, json={"instance_id": "ocr@1", "health_endpoint": endpoint}
        )
        assert answer.status_code == 201, answer.text
        run_job(client, "healthcheck")
        instance: dict[str, Any] = client.get("/v1/workers/ocr", headers=bearer(SCOPE_READ)).json()["instances"][0]
        return instance


def _settings(make_settings: Callable[..., RegistrySettings], **overrides: Any) -> RegistrySettings:
    """Test settings without the loopback allowance tests/registry uses."""
    return make_settings(**{"scrape_allowed_networks": "", "healthcheck_retries": 0, **overrides})


def test_loopback_is_never_scraped_outside_development(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, canaries: Callable[..., Canary]
) -> None:
    canary = canaries()
    instance = _scrape(_settings(make_settings, workers_core_env="production"), canary.url)
    assert canary.hits == []
    assert instance["metrics"]["scrape_failures"] == 1 and instance["reason"] == "scrape_failed"


def test_the_endpoint_must_be_the_heartbeats_own_address(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, canaries: Callable[..., Canary]
) -> None:
    other = canaries("127.0.0.2")
    assert _scrape(_settings(make_settings, workers_core_env="development"), other.url, peer="127.0.0.1")
    assert other.hits == []
    # positive control: the same canary is scraped when it is where the heartbeat came from
    assert _scrape(_settings(make_settings, workers_core_env="development"), other.url, peer="127.0.0.2")
    assert other.hits == ["/metrics"]


def test_allowed_networks_and_hosts(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, canaries: Callable[..., Canary]
) -> None:
    canary = canaries()
    by_net = _scrape(
        _settings(make_settings, workers_core_env="production", scrape_allowed_networks="127.0.0.0/8"),
        canary.url,
        peer="10.9.8.7",
    )
    assert by_net["metrics"]["scrape_ok"] is True and len(canary.hits) == 1
    by_host = _scrape(
        _settings(make_settings, workers_core_env="production", scrape_allowed_hosts="localhost"),
        canary.url.replace("127.0.0.1", "localhost"),
        peer="10.9.8.7",
    )
    assert by_host["metrics"]["scrape_ok"] is True and len(canary.hits) == 2


def test_redirects_are_not_followed(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, canaries: Callable[..., Canary]
) -> None:
    target = canaries()
    hop = canaries(redirect_to=f"{target.url}/metrics")
    instance = _scrape(_settings(make_settings, scrape_allowed_networks="127.0.0.0/8"), hop.url)
    assert hop.hits == ["/metrics"] and target.hits == []
    assert instance["metrics"]["scrape_failures"] == 1


def test_answers_are_capped(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, canaries: Callable[..., Canary]
) -> None:
    padding = b"# " + b"x" * 4096 + b"\n"
    big = canaries(body=padding * 600 + METRICS)  # 2.4 MB of valid Prometheus text
    settings = _settings(make_settings, scrape_allowed_networks="127.0.0.0/8", scrape_max_bytes=1024 * 1024)
    assert _scrape(settings, big.url)["metrics"]["scrape_failures"] == 1
    small = canaries()
    assert _scrape(settings, small.url)["metrics"]["scrape_ok"] is True


@pytest.mark.parametrize("status", [200, 500])
def test_answer_bodies_never_reach_the_log(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, canaries: Callable[..., Canary], status: int
) -> None:
    marker = "CANARY-SECRET-7f3a"
    leaky = canaries(body=f"metadata: token={marker}\n{{{{{{ not prometheus\n".encode(), status=status)
    with capture_logs() as logs:
        instance = _scrape(_settings(make_settings, scrape_allowed_networks="127.0.0.0/8"), leaky.url)
    assert instance["metrics"]["scrape_failures"] == 1 and leaky.hits
    assert any(e["event"] == "health check failed" for e in logs)
    assert marker not in repr(logs)


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://[fd00:ec2::254]", "metadata"),
        ("http://100.100.100.200", "metadata"),
        ("http://169.254.1.1:9800", "link-local"),
        ("http://[::1]:9800", "loopback"),
        ("http://[::ffff:127.0.0.1]:9800", "loopback"),
        ("http://0.0.0.0:9800", "unspecified"),
        ("http://user:pw@10.0.0.5:9800", "user info"),
        ("ftp://10.0.0.5", r"http\(s\) URL"),
    ],
)
def test_policy_refuses_without_connecting(endpoint: str, reason: str) -> None:
    policy = ScrapePolicy(_policy_settings())
    with pytest.raises(ScrapeRefused, match=reason):
        anyio.run(policy.target, endpoint, "169.254.169.254")


def _policy_settings() -> RegistrySettings:
    from tests.security.registry_fixtures import SECRET

    return RegistrySettings(jwt_secret=SECRET, workers_core_env="production")


def test_a_pinned_address_is_what_gets_connected() -> None:
    policy = ScrapePolicy(_policy_settings())
    target = anyio.run(policy.target, "http://10.1.2.3:9800/", "10.1.2.3")
    assert str(target.url) == "http://10.1.2.3:9800/metrics" and target.host_header == "10.1.2.3:9800"
    with pytest.raises(ScrapeRefused, match="not to the address"):
        anyio.run(policy.target, "http://10.1.2.3:9800", "10.1.2.4")
