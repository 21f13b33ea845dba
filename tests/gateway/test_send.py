"""POST /v1/tasks/{name}: validation, 202 answer, headers carried into the task, ownership, errors."""

from __future__ import annotations

import uuid

import httpx

from tests.gateway.conftest import drain
from tests.support.gateway import GatewayServer

PDF = {"html": "<p>Factura FCT-1</p>"}


def test_accepted_answer_headers_and_task_headers(
    gateway: GatewayServer, http: httpx.Client, gateway_broker_url: str
) -> None:
    correlation = f"corr-{uuid.uuid4().hex[:8]}"
    response = http.post(
        "/v1/tasks/pdf.render",
        json=PDF,
        headers={**gateway.headers(sub="mercantiq", tenant="acme"), "X-Correlation-Id": correlation},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    task_id = body["task_id"]
    assert body == {
        "task_id": task_id,
        "name": "pdf.render",
        "state": "PENDING",
        "status_url": f"/v1/tasks/{task_id}",
        "events_url": f"/v1/tasks/{task_id}/events",
        "correlation_id": correlation,
    }
    assert response.headers["X-Correlation-Id"] == correlation
    assert response.headers["Location"] == f"/v1/tasks/{task_id}"
    [(headers, kwargs)] = drain(gateway_broker_url, "pdf.render")
    assert kwargs == PDF
    assert headers["id"] == task_id and headers["task"] == "pdf.render"
    assert (headers["x-correlation-id"], headers["x-tenant"], headers["x-caller"]) == (correlation, "acme", "mercantiq")
    status = http.get(
        f"/v1/tasks/{task_id}", headers=gateway.headers(sub="other", tenant="acme", scopes=("tasks:read",))
    ).json()
    assert status["state"] == "PENDING" and status["tenant"] == "acme" and status["correlation_id"] == correlation
    assert status["result"] is None and status["error"] is None and status["name"] == "pdf.render"


def test_correlation_id_generated_when_absent_and_refused_when_malformed(
    gateway: GatewayServer, http: httpx.Client, gateway_broker_url: str
) -> None:
    response = http.post("/v1/tasks/pdf.render", json=PDF, headers=gateway.headers())
    assert response.status_code == 202
    generated = response.json()["correlation_id"]
    assert len(generated) >= 16 and response.headers["X-Correlation-Id"] == generated
    bad = http.post("/v1/tasks/pdf.render", json=PDF, headers={**gateway.headers(), "X-Correlation-Id": "a b;c"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    assert [h["x-correlation-id"] for h, _ in drain(gateway_broker_url, "pdf.render")] == [generated]


def test_invalid_payload_is_422_with_locations(gateway: GatewayServer, http: httpx.Client) -> None:
    response = http.post(
        "/v1/tasks/notify.slack", json={"text": 42, "mode": "pigeon", "surprise": True}, headers=gateway.headers()
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_payload" and error["details"]["task"] == "notify.slack"
    locs = sorted(tuple(e["loc"]) for e in error["details"]["errors"])
    assert ("body",) in locs and ("body", "mode") in locs and ("body", "text") in locs
    assert all(e["msg"] for e in error["details"]["errors"])
    not_json = http.post("/v1/tasks/notify.slack", content=b"{nope", headers=gateway.headers())
    assert not_json.status_code == 422 and not_json.json()["error"]["details"]["errors"][0]["loc"] == ["body"]
    not_object = http.post("/v1/tasks/notify.slack", json=[1, 2], headers=gateway.headers())
    assert not_object.status_code == 422


def test_addresses_are_accepted_in_both_forms_the_worker_accepts(gateway: GatewayServer, http: httpx.Client) -> None:
    """``"a@b.ro"`` or ``{"email": ..., "name": ...}``: the published contract says what the worker's model does."""
    from email_send.models import EmailRequest

    body = {"to": ["ana@firma.ro", {"email": "ion@firma.ro", "name": "Ion"}], "subject": "Factura", "text": "x"}
    EmailRequest.model_validate(body)
    assert http.post("/v1/tasks/email.send", json=body, headers=gateway.headers()).status_code == 202
    bad = http.post("/v1/tasks/email.send", json={**body, "to": [42]}, headers=gateway.headers())
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_payload"


def test_unknown_task_is_404(gateway: GatewayServer, http: httpx.Client) -> None:
    response = http.post("/v1/tasks/nope.never", json={}, headers=gateway.headers())
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "unknown_task", "message": "no task named 'nope.never'", "details": {"task": "nope.never"}}
    }


def test_oversized_body_is_413(gateway: GatewayServer, http: httpx.Client) -> None:
    big = {"text": "x" * (gateway.settings.max_body_bytes + 10)}
    response = http.post("/v1/tasks/notify.slack", json=big, headers=gateway.headers())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_task_of_another_tenant_or_unknown_is_404(
    gateway: GatewayServer, http: httpx.Client, gateway_broker_url: str
) -> None:
    sent = http.post("/v1/tasks/pdf.render", json=PDF, headers=gateway.headers(tenant="acme")).json()
    drain(gateway_broker_url, "pdf.render")
    other = http.get(sent["status_url"], headers=gateway.headers(tenant="globex", scopes=("tasks:read",)))
    unknown = http.get(f"/v1/tasks/{uuid.uuid4()}", headers=gateway.headers(tenant="acme", scopes=("tasks:read",)))
    for response in (other, unknown):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "task_not_found"
    events = http.get(sent["events_url"], headers=gateway.headers(tenant="globex", scopes=("tasks:read",)))
    assert events.status_code == 404
    # the same tenant reads it with tasks:read or a send scope covering the task, not with another task's scope
    ok = http.get(sent["status_url"], headers=gateway.headers(tenant="acme", scopes=("tasks:send:pdf.*",)))
    assert ok.status_code == 200
    hidden = http.get(sent["status_url"], headers=gateway.headers(tenant="acme", scopes=("tasks:send:email.*",)))
    assert hidden.status_code == 404
    none = http.get(sent["status_url"], headers=gateway.headers(tenant="acme", scopes=("other:scope",)))
    assert none.status_code == 403


def test_list_shows_only_the_tasks_the_scopes_allow(gateway: GatewayServer, http: httpx.Client) -> None:
    listed = http.get("/v1/tasks", headers=gateway.headers(scopes=("tasks:send:efactura.*", "tasks:send:email.send")))
    assert listed.status_code == 200
    tasks = {t["name"]: t for t in listed.json()["tasks"]}
    assert set(tasks) == {"efactura.poll", "efactura.submit", "email.send"}
    assert tasks["email.send"]["worker"] == "email.send" and tasks["email.send"]["queue"] == "email.send"
    assert tasks["email.send"]["payload_schema"]["type"] == "object" and "result_schema" in tasks["email.send"]
    everything = http.get("/v1/tasks", headers=gateway.headers(scopes=("tasks:send:*",))).json()["tasks"]
    assert len(everything) == len(gateway.runtime.catalog.tasks)
    assert http.get("/v1/tasks", headers=gateway.headers(scopes=("tasks:read",))).json() == {"tasks": []}


def test_health_readiness_and_metrics(gateway: GatewayServer, http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "checks": {"redis": True, "broker": True}}
    http.post("/v1/tasks/nope.never", json={}, headers=gateway.headers())
    text = http.get("/metrics").text
    assert 'gateway_rejections_total{code="unknown_task"}' in text
    assert "gateway_request_duration_seconds_bucket" in text and "gateway_tasks_accepted_total" in text


def test_the_framework_route_answers_like_the_fast_path(
    gateway: GatewayServer, gateway_broker_url: str, redis_url: str
) -> None:
    """``GATEWAY_SEND_FAST_PATH=false`` serves sends through the documented FastAPI route: same answers."""
    with (
        GatewayServer(gateway_broker_url, redis_url, send_fast_path=False) as slow,
        httpx.Client(base_url=slow.url) as http,
    ):
        answers = {}
        for label, server in (("fast", gateway), ("route", slow)):
            auth = server.headers(tenant="acme")
            with httpx.Client(base_url=server.url) as client:
                ok = client.post("/v1/tasks/pdf.render", json=PDF, headers={**auth, "X-Correlation-Id": "same-1"})
                answers[label] = (
                    ok.status_code,
                    set(ok.json()),
                    ok.headers["X-Correlation-Id"],
                    client.post("/v1/tasks/pdf.render", json=PDF).status_code,
                    client.post("/v1/tasks/pdf.render", json={"html": 1}, headers=auth).json()["error"]["code"],
                    client.post("/v1/tasks/nope.never", json={}, headers=auth).json(),
                )
        assert answers["fast"] == answers["route"]
        assert answers["fast"][:4] == (
            202,
            {"task_id", "name", "state", "status_url", "events_url", "correlation_id"},
            "same-1",
            401,
        )
        text = http.get("/metrics").text
        assert 'gateway_requests_total{method="POST",route="/v1/tasks/{name}",status="202"}' in text
    assert len(drain(gateway_broker_url, "pdf.render")) == 2
