"""Gateway -> RabbitMQ -> a real ``notify.slack`` worker -> fake Slack, followed over HTTP (GET and SSE)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from kombu import Connection, Queue

from shared.events import EVENTS_EXCHANGE
from tests.fakes.slack import FakeSlack
from tests.notify_slack.conftest import worker_env_token
from tests.support.gateway import GatewayServer


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


def read_events(http: httpx.Client, url: str, headers: dict[str, str]) -> list[tuple[str, Any]]:
    """The (event, data) pairs of a stream until the server closes it; comments are skipped."""
    out: list[tuple[str, Any]] = []
    with http.stream("GET", url, headers=headers, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                out.append((event or "message", orjson.loads(line[len("data: ") :])))
    return out


def wait_final(http: httpx.Client, url: str, headers: dict[str, str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = http.get(url, headers=headers).json()
        if body["state"] in ("SUCCESS", "FAILURE", "REVOKED"):
            return body
        time.sleep(0.1)
    raise TimeoutError(f"{url} not final in {timeout}s")


def test_send_then_follow_to_success_and_failure(
    gateway: GatewayServer, gateway_broker_url: str, start_worker, fake_slack: FakeSlack
) -> None:
    worker = start_worker("notify.slack", env={**worker_env_token(fake_slack), "RMQ_URL": gateway_broker_url})
    correlation = f"gw-e2e-{uuid.uuid4().hex[:8]}"
    auth = gateway.headers(sub="accounting", tenant="acme", scopes=("tasks:send:notify.*",))
    with Connection(gateway_broker_url) as conn, httpx.Client(base_url=gateway.url, timeout=30) as http:
        events = Queue(
            f"test-gw-events-{uuid.uuid4().hex[:6]}",
            exchange=EVENTS_EXCHANGE,
            routing_key="slack.#",
            durable=False,
            auto_delete=True,
        )
        EVENTS_EXCHANGE(conn.default_channel).declare()
        events(conn.default_channel).declare()
        sent = http.post(
            "/v1/tasks/notify.slack",
            json={"text": "Factura FCT-7 încasată", "channel": "#facturi"},
            headers={**auth, "X-Correlation-Id": correlation},
        )
        assert sent.status_code == 202, sent.text
        stream = read_events(http, sent.json()["events_url"], auth)
        simple = conn.SimpleQueue(events, no_ack=True)
        event = simple.get(timeout=20).payload
        simple.close()
        status = http.get(sent.json()["status_url"], headers=auth).json()
    kinds = [kind for kind, _ in stream]
    assert kinds[-2:] == ["state", "end"] and set(kinds[:-1]) == {"state"}
    states = [data["state"] for kind, data in stream if kind == "state"]
    assert states[-1] == "SUCCESS" and len(states) == len(set(states))
    assert stream[-1][1] == status
    assert status["state"] == "SUCCESS" and status["error"] is None and status["correlation_id"] == correlation
    assert status["result"]["status"] == "sent" and status["result"]["channel"] == "C0000FACTURI"
    assert status["done_at"]
    assert [p.text for p in fake_slack.posted] == ["Factura FCT-7 încasată"]
    assert event["event"] == "slack.posted" and event["correlation_id"] == correlation
    assert correlation in worker.logs(since_start=True)

    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        failed = http.post("/v1/tasks/notify.slack", json={"text": "x", "channel": "#nowhere"}, headers=auth)
        body = wait_final(http, failed.json()["status_url"], auth)
    assert body["state"] == "FAILURE" and body["result"] is None
    assert body["error"]["code"] == "slack_rejected"
    assert body["error"]["details"]["slack_error"] == "channel_not_found"
    assert body["error"]["message"]


def test_stream_keeps_alive_and_stops_after_its_maximum_duration(gateway_broker_url: str, redis_url: str) -> None:
    """No worker consumes ``ocr.extract`` in this vhost: the stream shows PENDING, comments, then ``timeout``."""
    with (
        GatewayServer(
            gateway_broker_url,
            redis_url,
            events_keepalive_s=0.3,
            events_max_duration_s=1.5,
            public_base_url="https://gw.example/",
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        auth = server.headers(scopes=("tasks:send:ocr.*",))
        sent = http.post("/v1/tasks/ocr.extract", json={"artifact_key": "scans/x.png"}, headers=auth)
        assert sent.status_code == 202, sent.text
        body = sent.json()
        assert body["status_url"] == f"https://gw.example/v1/tasks/{body['task_id']}"
        assert sent.headers["Location"] == body["status_url"]
        lines: list[str] = []
        started = time.monotonic()
        with http.stream("GET", f"/v1/tasks/{body['task_id']}/events", headers=auth) as response:
            lines.extend(response.iter_lines())
        assert time.monotonic() - started < 10
    assert lines[:2] == ["event: state", lines[1]] and orjson.loads(lines[1][6:])["state"] == "PENDING"
    assert ": keep-alive" in lines
    assert "event: timeout" in lines and "event: end" not in lines
