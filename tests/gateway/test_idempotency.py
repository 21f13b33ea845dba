"""Idempotency-Key: replay, 409 on another body, exactly one task under concurrent requests with one key."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.gateway.conftest import drain
from tests.support.gateway import GatewayServer


def test_same_key_and_body_replays_the_first_answer(
    gateway: GatewayServer, http: httpx.Client, gateway_broker_url: str
) -> None:
    key = f"inv-{uuid.uuid4().hex[:8]}"
    headers = {**gateway.headers(tenant="acme"), "Idempotency-Key": key}
    first = http.post("/v1/tasks/pdf.render", json={"html": "<p>1</p>", "filename": "a.pdf"}, headers=headers)
    # key order and whitespace do not change the canonical body
    again = http.post(
        "/v1/tasks/pdf.render",
        content=b'{ "filename": "a.pdf", "html": "<p>1</p>" }',
        headers={**headers, "Content-Type": "application/json", "X-Correlation-Id": "another-one"},
    )
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotency-Replayed"] == "true" and "Idempotency-Replayed" not in first.headers
    assert again.headers["X-Correlation-Id"] == first.json()["correlation_id"]
    [(task_headers, _)] = drain(gateway_broker_url, "pdf.render")
    assert task_headers["x-idempotency-key"] == key and task_headers["id"] == first.json()["task_id"]
    # another tenant with the same key is another key
    other = http.post(
        "/v1/tasks/pdf.render",
        json={"html": "<p>1</p>", "filename": "a.pdf"},
        headers={**gateway.headers(tenant="globex"), "Idempotency-Key": key},
    )
    assert other.status_code == 202 and other.json()["task_id"] != first.json()["task_id"]
    assert len(drain(gateway_broker_url, "pdf.render")) == 1


def test_same_key_with_another_body_is_409(gateway: GatewayServer, http: httpx.Client, gateway_broker_url: str) -> None:
    headers = {**gateway.headers(), "Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    assert http.post("/v1/tasks/pdf.render", json={"html": "<p>1</p>"}, headers=headers).status_code == 202
    conflict = http.post("/v1/tasks/pdf.render", json={"html": "<p>2</p>"}, headers=headers)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"
    assert len(drain(gateway_broker_url, "pdf.render")) == 1


def test_concurrent_requests_with_one_key_make_exactly_one_task(
    gateway: GatewayServer, gateway_broker_url: str
) -> None:
    headers = {**gateway.headers(), "Idempotency-Key": f"race-{uuid.uuid4().hex}"}

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=gateway.url, timeout=30) as client:
            return client.post("/v1/tasks/pdf.render", json={"html": "<p>race</p>"}, headers=headers)

    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(send, range(24)))
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["task_id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotency-Replayed") == "true" for r in responses) == 23
    assert len(drain(gateway_broker_url, "pdf.render")) == 1
