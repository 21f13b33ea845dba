"""The REST API against the real app (TestClient, lifespan on, real PostgreSQL + Redis)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ
from tests.registry.helpers import payload, subscribe_events

Auth = Callable[..., dict[str, str]]


def register(client: TestClient, auth: Auth, tag: str, instance_id: str, **extra: Any) -> dict[str, Any]:
    response = client.post(
        f"/v1/workers/{tag}/instances", json=payload(instance_id, **extra), headers=auth(SCOPE_HEARTBEAT, tag=tag)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_register_heartbeat_list_and_get(client: TestClient, auth: Auth) -> None:
    ack = register(client, auth, "ocr", "ocr@h1", health_endpoint="http://127.0.0.1:9801", host="h1", pid=42)
    assert ack["status"] == "running" and ack["heartbeat_interval"] == 30.0
    beat = client.patch(
        "/v1/workers/ocr/heartbeat",
        json=payload("ocr@h2", queue_size=4, active_tasks=1),
        headers=auth(SCOPE_HEARTBEAT, tag="ocr"),
    )
    assert beat.status_code == 200 and beat.json()["status"] == "running"

    listing = client.get("/v1/workers", headers=auth(SCOPE_READ))
    assert listing.status_code == 200
    body = listing.json()
    assert body["total_instances"] == 2
    (ocr,) = body["tags"]
    assert ocr["tag"] == "ocr"
    assert ocr["aggregate"]["alive"] == 2 and ocr["aggregate"]["status"] == "healthy"
    assert ocr["aggregate"]["queue_size"] == 4 and ocr["aggregate"]["versions"] == ["1.2.3"]
    h1 = next(i for i in ocr["instances"] if i["instance_id"] == "ocr@h1")
    assert h1["health_endpoint"] == "http://127.0.0.1:9801" and h1["host"] == "h1" and h1["pid"] == 42
    assert h1["registered_at"].endswith("Z") and h1["health_score"] == 100

    one = client.get("/v1/workers/ocr", headers=auth(SCOPE_READ))
    assert one.status_code == 200 and {i["instance_id"] for i in one.json()["instances"]} == {"ocr@h1", "ocr@h2"}
    assert client.get("/v1/workers?status=stopped", headers=auth(SCOPE_READ)).json()["tags"] == []


def test_health_discovery_topology(client: TestClient, auth: Auth) -> None:
    register(client, auth, "pdf.render", "pdf@a", health_endpoint="http://127.0.0.1:1", health_score=60)
    register(client, auth, "pdf.render", "pdf@b", health_endpoint="http://127.0.0.1:2")
    register(client, auth, "pdf.render", "pdf@c", consuming=False)
    health = client.get("/v1/workers/pdf.render/health", headers=auth(SCOPE_READ)).json()
    assert [i["instance_id"] for i in health["instances"]] == ["pdf@b", "pdf@c", "pdf@a"]
    assert health["instances"][2]["factors"]["reported"] == 0.6
    assert "H" in health["formula"]

    found = client.get("/v1/discovery/pdf.render", headers=auth(SCOPE_READ)).json()
    assert [i["instance_id"] for i in found["instances"]] == ["pdf@b", "pdf@a"]  # idle pdf@c is not offered
    assert abs(sum(i["weight"] for i in found["instances"]) - 1) < 1e-6
    strict = client.get("/v1/discovery/pdf.render?min_score=95", headers=auth(SCOPE_READ)).json()
    assert [i["instance_id"] for i in strict["instances"]] == ["pdf@b"]

    topo = client.get("/v1/topology", headers=auth(SCOPE_READ)).json()
    assert [t["tag"] for t in topo["tags"]] == ["pdf.render"]
    assert {h["host"]: h["instances"] for h in topo["hosts"]} == {
        "a": ["pdf.render/pdf@a"],
        "b": ["pdf.render/pdf@b"],
        "c": ["pdf.render/pdf@c"],
    }


def test_unregister_and_remove(client: TestClient, auth: Auth, settings: Any) -> None:
    register(client, auth, "reges", "reges@1")
    register(client, auth, "reges", "reges@2")
    with subscribe_events(str(settings.redis_url.get_secret_value())) as collect:
        gone = client.delete("/v1/workers/reges/instances/reges@1", headers=auth(SCOPE_HEARTBEAT, tag="reges"))
        assert gone.status_code == 200 and gone.json()["status"] == "stopped"
        removed = client.delete("/v1/workers/reges", headers=auth(SCOPE_ADMIN))
        events = collect(10.0, until=2)
    assert removed.status_code == 200 and removed.json() == {"tag": "reges", "removed": 2}
    assert [e["event"] for e in events] == ["worker.unregistered", "worker.removed"]
    assert client.get("/v1/workers/reges", headers=auth(SCOPE_READ)).status_code == 404
    again = client.delete("/v1/workers/reges/instances/reges@1", headers=auth(SCOPE_HEARTBEAT, tag="reges"))
    assert again.status_code == 404 and again.json()["code"] == "not_found"


def test_not_found_and_validation_errors_are_structured(client: TestClient, auth: Auth) -> None:
    missing = client.get("/v1/workers/nobody", headers=auth(SCOPE_READ))
    assert missing.status_code == 404
    assert missing.json() == {
        "type": "NotFoundError",
        "code": "not_found",
        "message": "no worker tag 'nobody'",
        "retryable": False,
    }
    assert client.get("/v1/workers/nobody/health", headers=auth(SCOPE_READ)).status_code == 404
    assert client.get("/v1/discovery/nobody", headers=auth(SCOPE_READ)).status_code == 404
    assert client.delete("/v1/workers/nobody", headers=auth(SCOPE_ADMIN)).status_code == 404

    bad = client.patch(
        "/v1/workers/ocr/heartbeat",
        json={"instance_id": "no spaces|allowed", "queue_size": -1},
        headers=auth(SCOPE_HEARTBEAT, tag="ocr"),
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["type"] == "PayloadError" and body["code"] == "invalid_payload"
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "instance_id"), ("body", "queue_size")}
    assert client.get("/v1/workers/Bad Tag!", headers=auth(SCOPE_READ)).status_code == 422
    assert client.get("/v1/workers?status=sleeping", headers=auth(SCOPE_READ)).status_code == 422
    assert client.get("/v1/nothing-here").json()["code"] == "not_found"
    assert client.put("/v1/workers", headers=auth(SCOPE_READ)).status_code == 405
    nothing_stored = client.get("/v1/workers", headers=auth(SCOPE_READ)).json()
    assert nothing_stored["total_instances"] == 0  # the bad heartbeat stored nothing


def test_sweep_through_the_app_marks_failed_and_metrics_show_it(
    make_settings: Callable[..., Any], clean_registry: None, auth: Auth
) -> None:
    from registry.main import create_app
    from tests.registry.helpers import FakeClock

    clock = FakeClock()
    settings = make_settings()
    tag = f"t{uuid.uuid4().hex[:12]}"  # metric values live per process: a fresh label set per test
    with TestClient(create_app(settings, clock=clock)) as client:
        register(client, auth, tag, "w@1")
        register(client, auth, tag, "w@2")
        client.patch(f"/v1/workers/{tag}/heartbeat", json=payload("w@2"), headers=auth(SCOPE_HEARTBEAT, tag=tag))
        clock.advance(settings.error_after + 1)
        client.patch(f"/v1/workers/{tag}/heartbeat", json=payload("w@2"), headers=auth(SCOPE_HEARTBEAT, tag=tag))
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        assert client.portal.call(runtime.service.sweep)["error"] == 1  # type: ignore[union-attr]
        workers = client.get(f"/v1/workers/{tag}", headers=auth(SCOPE_READ)).json()
        assert {i["instance_id"]: i["status"] for i in workers["instances"]} == {"w@1": "error", "w@2": "running"}
        assert workers["aggregate"]["status"] == "degraded" and workers["aggregate"]["health_score"] == 50
        text = client.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("worker_count", (("tag", tag),))] == 1
    assert samples[("worker_status", (("instance", "w@1"), ("status", "error"), ("tag", tag)))] == 1
    assert samples[("worker_status", (("instance", "w@1"), ("status", "running"), ("tag", tag)))] == 0
    assert samples[("worker_status", (("instance", "w@2"), ("status", "running"), ("tag", tag)))] == 1
    assert samples[("heartbeat_latency_seconds_count", (("tag", tag),))] == 2
    assert samples[("worker_health_score", (("tag", tag),))] == 50
    assert samples[("worker_count", (("tag", "anaf.saft"),))] == 0  # expected tags always have a series
    assert "# TYPE failed_health_checks_total counter" in text


def test_ops_routes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"redis": "ok", "database": "ok"}
    assert client.get("/openapi.json").json()["info"]["title"] == "workers-core registry"
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_readyz_and_routes_report_a_dead_redis(
    make_settings: Callable[..., Any], clean_registry: None, auth: Auth
) -> None:
    from registry.main import create_app

    settings = make_settings(redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("fail")
        beat = client.patch("/v1/workers/ocr/heartbeat", json=payload(), headers=auth(SCOPE_HEARTBEAT, tag="ocr"))
        assert beat.status_code == 503 and beat.json()["code"] == "unavailable" and beat.headers["retry-after"]


def test_heartbeat_fast_path_answers_exactly_like_the_route(
    make_settings: Callable[..., Any], clean_registry: None, token: Callable[..., str], registry_redis_url: str
) -> None:
    from registry.main import create_app
    from tests.registry.conftest import _wipe

    beat, read = token(SCOPE_HEARTBEAT, tag="ocr"), token(SCOPE_READ)
    cases: list[tuple[str, dict[str, str], bytes]] = [
        (
            "/v1/workers/ocr/heartbeat",
            {"Authorization": f"Bearer {beat}"},
            b'{"instance_id": "ocr@fp", "queue_size": 2}',
        ),
        ("/v1/workers/ocr/heartbeat", {}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/ocr/heartbeat", {"Authorization": "Basic abc"}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/ocr/heartbeat", {"Authorization": "Bearer not-a-jwt"}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/ocr/heartbeat", {"Authorization": f"Bearer {read}"}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/Bad%20Tag/heartbeat", {"Authorization": f"Bearer {beat}"}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/ocr/heartbeat?x=1&y=2", {"Authorization": f"Bearer {beat}"}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/ocr/heartbeat?", {"Authorization": f"Bearer {beat}"}, b'{"instance_id": "ocr@fp"}'),
        ("/v1/workers/ocr/heartbeat", {"Authorization": f"Bearer {beat}"}, b'{"instance_id": "bad id", "pid": true}'),
        ("/v1/workers/ocr/heartbeat", {"Authorization": f"Bearer {beat}"}, b"\xff\xfe not json"),
        ("/v1/workers/ocr/heartbeat", {"Authorization": f"Bearer {beat}"}, b""),
    ]
    answers: dict[bool, list[tuple[int, Any, str | None]]] = {}
    for fast in (True, False):
        _wipe(registry_redis_url)
        with TestClient(create_app(make_settings(heartbeat_fast_path=fast))) as client:
            out = []
            for path, headers, content in cases:
                response = client.patch(path, headers=headers, content=content)
                body = response.json()
                if isinstance(body, dict):
                    body.pop("accepted_at", None)
                out.append((response.status_code, body, response.headers.get("www-authenticate")))
            answers[fast] = out
    assert [a[0] for a in answers[True]] == [200, 401, 401, 401, 403, 422, 422, 200, 422, 422, 422]
    assert answers[True] == answers[False]
