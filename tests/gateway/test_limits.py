"""Per-caller rate limit (429 + Retry-After) and a broker that does not confirm (503, never 202)."""

from __future__ import annotations

import socket
import uuid

import httpx

from tests.support.gateway import GatewayServer
from tests.support.workers import free_port


def test_rate_limit_per_caller(gateway_broker_url: str, redis_url: str) -> None:
    with (
        GatewayServer(gateway_broker_url, redis_url, rate_per_second=0.1, rate_burst=3) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        caller = server.headers(sub=f"busy-{uuid.uuid4().hex[:6]}")
        codes = [http.get("/v1/tasks", headers=caller).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = http.get("/v1/tasks", headers=caller)
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 10
        # a send takes its slot in the same round trip that records the task: refused, nothing recorded or sent
        sent = http.post("/v1/tasks/pdf.render", json={"html": "<p>x</p>"}, headers=caller)
        assert sent.status_code == 429 and sent.json()["error"]["code"] == "rate_limited"
        # another caller of the same tenant has its own budget
        assert http.get("/v1/tasks", headers=server.headers(sub=f"calm-{uuid.uuid4().hex[:6]}")).status_code == 200


def test_tenant_quota_is_shared_by_its_callers_and_no_other_tenant(gateway_broker_url: str, redis_url: str) -> None:
    with (
        GatewayServer(gateway_broker_url, redis_url, tenant_rate_per_second=0.1, tenant_rate_burst=4) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        tenant = f"busy-{uuid.uuid4().hex[:6]}"
        first, second = (server.headers(sub=f"{who}-{uuid.uuid4().hex[:6]}", tenant=tenant) for who in "ab")
        codes = [http.get("/v1/tasks", headers=h).status_code for h in (first, second, first, second, first, second)]
        assert codes == [200, 200, 200, 200, 429, 429]
        over = http.get("/v1/tasks", headers=second).json()["error"]
        assert over["code"] == "rate_limited" and tenant in over["message"]
        other = server.headers(sub="c", tenant=f"calm-{uuid.uuid4().hex[:6]}")
        assert http.get("/v1/tasks", headers=other).status_code == 200


def test_broker_down_is_503_and_nothing_is_remembered(redis_url: str) -> None:
    port = free_port()  # nothing listens there
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with (
        GatewayServer(
            f"amqp://guest:guest@127.0.0.1:{port}//", redis_url, publish_timeout_s=1.0, publish_retries=1
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        key = f"down-{uuid.uuid4().hex[:6]}"
        headers = {**server.headers(), "Idempotency-Key": key}
        response = http.post("/v1/tasks/pdf.render", json={"html": "<p>x</p>"}, headers=headers)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "broker_unavailable"
        assert response.headers["Retry-After"]
        # the claim was released: the same key is free again (still 503, not a replay of a ghost task)
        again = http.post("/v1/tasks/pdf.render", json={"html": "<p>x</p>"}, headers=headers)
        assert again.status_code == 503 and "Idempotency-Replayed" not in again.headers
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["error"]["details"]["checks"]["broker"] is False
