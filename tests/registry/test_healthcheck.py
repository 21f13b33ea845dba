"""WorkerHealthCheckJob against real HTTP /metrics endpoints on loopback (success, retries, failures, recovery)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.healthcheck import ScrapeError, derive, parse_metrics
from registry.main import create_app
from tests.registry.helpers import FakeClock, MetricsServer, payload, subscribe_events, worker_metrics

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def endpoint() -> Iterator[MetricsServer]:
    server = MetricsServer(worker_metrics(succeeded=10, failed=0, runtime_sum=5.0, runtime_count=10))
    yield server
    server.close()


@pytest.fixture
def app_client(
    make_settings: Callable[..., RegistrySettings], clean_registry: None
) -> Iterator[tuple[TestClient, FakeClock]]:
    clock = FakeClock()
    with TestClient(create_app(make_settings(healthcheck_retries=2), clock=clock)) as client:
        yield client, clock


def job(client: TestClient) -> Any:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return client.portal.call(runtime.healthcheck.run_once)  # type: ignore[union-attr]


def instance(client: TestClient, auth: Auth, tag: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/workers/{tag}", headers=auth(SCOPE_READ)).json()["instances"][0])


def sample_values(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


def test_scrape_updates_metrics_and_rates(
    app_client: tuple[TestClient, FakeClock], auth: Auth, endpoint: MetricsServer
) -> None:
    client, clock = app_client
    tag = f"t{uuid.uuid4().hex[:10]}"
    client.post(
        f"/v1/workers/{tag}/instances",
        json=payload("w@1", health_endpoint=endpoint.url),
        headers=auth(SCOPE_HEARTBEAT, tag=tag),
    )
    assert job(client) == {"ok": 1, "failed": 0}
    first = instance(client, auth, tag)["metrics"]
    assert first["scrape_ok"] is True and first["task_duration_seconds"] == 0.5
    assert first["failure_rate"] == 0.0 and first["memory_bytes"] == 123456789 and first["task_rate"] is None

    endpoint.text = worker_metrics(succeeded=40, failed=10, runtime_sum=35.0, runtime_count=50, cpu=7.5)
    clock.advance(60)
    client.patch(
        f"/v1/workers/{tag}/heartbeat",
        json=payload("w@1", health_endpoint=endpoint.url),
        headers=auth(SCOPE_HEARTBEAT, tag=tag),
    )
    assert job(client) == {"ok": 1, "failed": 0}
    second = instance(client, auth, tag)
    m = second["metrics"]
    assert m["task_rate"] == pytest.approx(40 / 60, abs=1e-6)  # 30 succeeded + 10 failed in 60 s
    assert m["failure_rate"] == pytest.approx(0.25)
    assert m["task_duration_seconds"] == pytest.approx(30 / 40)
    assert m["cpu_usage"] == pytest.approx(6 / 60, abs=1e-6)
    assert second["health_score"] == 85  # F = 1 - 2 x 0.25 = 0.5 costs 15 points
    assert endpoint.requests == ["/metrics", "/metrics"]

    text = client.get("/metrics").text
    label = (("tag", tag),)
    assert sample_values(text, "task_duration_seconds")[label] == pytest.approx(0.75)
    assert sample_values(text, "task_success_rate")[label] == pytest.approx(0.75)
    assert sample_values(text, "worker_memory_usage_bytes")[label] == 123456789
    assert sample_values(text, "worker_cpu_usage")[label] == pytest.approx(0.1)


def test_retries_then_succeeds(app_client: tuple[TestClient, FakeClock], auth: Auth, endpoint: MetricsServer) -> None:
    client, _ = app_client
    client.post(
        "/v1/workers/ocr/instances",
        json=payload("ocr@r", health_endpoint=endpoint.url),
        headers=auth(SCOPE_HEARTBEAT, tag="ocr"),
    )
    endpoint.fail_next = 2
    assert job(client) == {"ok": 1, "failed": 0}
    assert len(endpoint.requests) == 3  # two 500s, then the answer
    assert instance(client, auth, "ocr")["status"] == "running"


def test_failed_checks_move_to_error_and_a_good_scrape_recovers(
    app_client: tuple[TestClient, FakeClock], auth: Auth, endpoint: MetricsServer, registry_redis_url: str
) -> None:
    client, _ = app_client
    tag = f"t{uuid.uuid4().hex[:10]}"
    client.post(
        f"/v1/workers/{tag}/instances",
        json=payload("w@f", health_endpoint=endpoint.url),
        headers=auth(SCOPE_HEARTBEAT, tag=tag),
    )
    endpoint.fail_always = True
    with subscribe_events(registry_redis_url) as collect:
        assert job(client) == {"ok": 0, "failed": 1}
        assert len(endpoint.requests) == 3  # 1 + 2 retries
        failed = instance(client, auth, tag)
        assert (failed["status"], failed["reason"], failed["health_score"]) == ("error", "scrape_failed", 0)
        assert failed["metrics"]["scrape_failures"] == 1
        # heartbeats keep arriving, but they do not hide a failing /metrics
        beat = client.patch(
            f"/v1/workers/{tag}/heartbeat",
            json=payload("w@f", health_endpoint=endpoint.url),
            headers=auth(SCOPE_HEARTBEAT, tag=tag),
        )
        assert beat.json()["status"] == "error"
        endpoint.fail_always = False
        assert job(client) == {"ok": 1, "failed": 0}
        # Redis pub/sub channels span every DB: other sessions' registry events arrive too, keep this tag's
        events = [e for e in collect(0.5) if e["data"]["tag"] == tag]
    assert instance(client, auth, tag)["status"] == "running"
    assert [(e["data"]["status"], e["data"]["reason"]) for e in events] == [
        ("error", "scrape_failed"),
        ("running", "scrape_recovered"),
    ]
    text = client.get("/metrics").text
    assert sample_values(text, "failed_health_checks_total")[(("tag", tag),)] == 1


def test_timeouts_and_dead_endpoints_fail(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, auth: Auth, endpoint: MetricsServer
) -> None:
    settings = make_settings(healthcheck_timeout=0.2, healthcheck_retries=1, scrape_failures_before_error=2)
    with TestClient(create_app(settings)) as client:
        client.post(
            "/v1/workers/ocr/instances",
            json=payload("ocr@slow", health_endpoint=endpoint.url),
            headers=auth(SCOPE_HEARTBEAT, tag="ocr"),
        )
        client.post(
            "/v1/workers/ocr/instances",
            json=payload("ocr@gone", health_endpoint="http://127.0.0.1:1"),
            headers=auth(SCOPE_HEARTBEAT, tag="ocr"),
        )
        client.post("/v1/workers/ocr/instances", json=payload("ocr@none"), headers=auth(SCOPE_HEARTBEAT, tag="ocr"))
        endpoint.delay = 0.5
        assert job(client) == {"ok": 0, "failed": 2}  # ocr@none has no endpoint: not scraped
        statuses = {
            i["instance_id"]: (i["status"], i["metrics"]["scrape_failures"])
            for i in client.get("/v1/workers/ocr", headers=auth(SCOPE_READ)).json()["instances"]
        }
        # two failures are needed before error (hysteresis); the score already pays for one
        assert statuses == {"ocr@slow": ("running", 1), "ocr@gone": ("running", 1), "ocr@none": ("running", 0)}
        assert job(client) == {"ok": 0, "failed": 2}
        statuses = {
            i["instance_id"]: i["status"]
            for i in client.get("/v1/workers/ocr", headers=auth(SCOPE_READ)).json()["instances"]
        }
        assert statuses == {"ocr@slow": "error", "ocr@gone": "error", "ocr@none": "running"}


def test_parse_and_derive() -> None:
    raw = parse_metrics(worker_metrics(succeeded=3, failed=1, runtime_sum=2.0, runtime_count=4))
    assert raw == {
        "succeeded": 3,
        "failed": 1,
        "runtime_sum": 2.0,
        "runtime_count": 4,
        "cpu_seconds": 1.5,
        "memory_bytes": 123456789,
    }
    with pytest.raises(ScrapeError):
        parse_metrics("<html>this is not prometheus</html>")
    previous = derive(raw, {}, {}, now=100.0)
    restarted = derive({"succeeded": 1.0, "failed": 0.0}, previous, {"cpu_seconds": 0.5, "memory_bytes": 10}, now=130.0)
    assert restarted["task_rate"] == pytest.approx(1 / 30, abs=1e-6)  # counter reset: counted from zero
    assert restarted["memory_bytes"] == 10 and restarted["cpu_usage"] == pytest.approx(0.5 / 30, abs=1e-6)
    assert restarted["task_duration_seconds"] == 0.5  # carried over when no runtime samples


def test_wrong_content_type_is_a_failed_check(
    app_client: tuple[TestClient, FakeClock], auth: Auth, endpoint: MetricsServer
) -> None:
    client, _ = app_client
    client.post(
        "/v1/workers/ocr/instances",
        json=payload("ocr@html", health_endpoint=endpoint.url),
        headers=auth(SCOPE_HEARTBEAT, tag="ocr"),
    )
    endpoint.content_type = "text/html"
    assert job(client) == {"ok": 0, "failed": 1}
