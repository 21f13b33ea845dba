"""The Python SDK over the real task gateway and a real ``notify.slack`` worker: the same results and errors."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from workers_core_client import (
    Client,
    Conflict,
    Forbidden,
    HttpTransport,
    InvalidPayload,
    NotFound,
    RateLimited,
    TaskFailed,
    Unauthorized,
    Unavailable,
)
from workers_core_client.catalog import NOTIFY_SLACK
from workers_core_client.models import NotifySlackPayload, NotifySlackResult

from tests.fakes.slack import FakeSlack
from tests.notify_slack.conftest import worker_env_token
from tests.support.gateway import GatewayServer


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(broker_url: str, redis_url: str) -> Iterator[GatewayServer]:
    server = GatewayServer(broker_url, redis_url).start()
    yield server
    server.stop()


def sdk(gateway: GatewayServer, **token: object) -> Client:
    return Client(HttpTransport(gateway.url, gateway.token(**token), retries=0))  # type: ignore[arg-type]


def test_send_wait_replay_and_task_failure(start_worker, gateway: GatewayServer, fake_slack: FakeSlack) -> None:
    start_worker("notify.slack", env=worker_env_token(fake_slack))
    correlation = uuid.uuid4().hex
    key = f"inv-{uuid.uuid4().hex[:8]}"
    with sdk(gateway, scopes=("tasks:send:notify.*",)) as client:
        handle = client.send(
            NOTIFY_SLACK,
            NotifySlackPayload(text="Plată primită", channel="#facturi"),
            idempotency_key=key,
            correlation_id=correlation,
        )
        result = client.wait(handle, timeout=60)
        status = client.status(handle)
        again = client.send(
            NOTIFY_SLACK, NotifySlackPayload(text="Plată primită", channel="#facturi"), idempotency_key=key
        )
        with pytest.raises(Conflict) as reused:
            client.send(NOTIFY_SLACK, {"text": "alt text", "channel": "#facturi"}, idempotency_key=key)
        failing = client.send("notify.slack", {"text": "x", "channel": "#nu-exista"})
        with pytest.raises(TaskFailed) as failed:
            client.wait(failing, timeout=60)
    assert isinstance(result, NotifySlackResult) and result.status == "sent" and result.channel == "C0000FACTURI"
    assert handle.correlation_id == correlation and status.correlation_id == correlation
    assert status.state == "SUCCESS" and status.tenant == "tenant-a"
    assert again.task_id == handle.task_id and again.sent.replayed
    assert reused.value.code == "idempotency_key_reused"
    assert failed.value.code == "slack_rejected" and failed.value.details["slack_error"] == "channel_not_found"
    assert len(fake_slack.posted) == 1


def test_gateway_refusals_are_the_client_errors(gateway: GatewayServer, broker_url: str, redis_url: str) -> None:
    with Client(HttpTransport(gateway.url, "not-a-jwt", retries=0)) as anonymous, pytest.raises(Unauthorized):
        anonymous.send(NOTIFY_SLACK, {"text": "x"})
    with sdk(gateway, scopes=("tasks:send:email.*",)) as client:
        with pytest.raises(Forbidden):
            client.send(NOTIFY_SLACK, {"text": "x"})
        with pytest.raises(NotFound):
            client.send("no.such.task", {})
        with pytest.raises(InvalidPayload) as invalid:  # the gateway's own check (the SDK's is bypassed here)
            client.transport.send("email.send", "email.send", {"to": 5}, idempotency_key=None, correlation_id=None)
        assert invalid.value.details["errors"]
    with (
        sdk(gateway, scopes=("tasks:send:*",)) as owner,
        sdk(gateway, tenant="tenant-b", scopes=("tasks:read",)) as other,
    ):
        handle = owner.send(NOTIFY_SLACK, {"text": "x"})
        with pytest.raises(NotFound):
            other.status(handle)
    with (
        GatewayServer(broker_url, redis_url, rate_per_second=0.01, rate_burst=1) as slow,
        sdk(slow, sub=f"slow-{uuid.uuid4().hex[:6]}") as client,
    ):
        client.send(NOTIFY_SLACK, {"text": "1"})
        with pytest.raises(RateLimited) as limited:
            client.send(NOTIFY_SLACK, {"text": "2"})
        assert limited.value.retry_after > 0
    with GatewayServer("amqp://guest:guest@127.0.0.1:1//", redis_url) as down, sdk(down) as client:
        with pytest.raises(Unavailable):
            client.send(NOTIFY_SLACK, {"text": "x"})
    with Client(HttpTransport("http://127.0.0.1:1", "t", retries=1, backoff=0.01)) as nowhere:
        with pytest.raises(Unavailable):
            nowhere.send(NOTIFY_SLACK, {"text": "x"})


class ScriptedProxy:
    """Loopback HTTP proxy to the gateway that answers the first requests itself (``503``) and records them all."""

    def __init__(self, target: str, script: list[int]) -> None:
        self.seen: list[dict[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy.seen.append(dict(self.headers))
                if script:
                    status = script.pop(0)
                    payload = json.dumps(
                        {"error": {"code": "broker_unavailable", "message": "scripted", "details": {}}}
                    )
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload.encode())
                    return
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = httpx.post(target + self.path, content=body, headers=forwarded, timeout=10)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_send_is_retried_with_the_same_idempotency_key(gateway: GatewayServer) -> None:
    proxy = ScriptedProxy(gateway.url, [503, 502])
    try:
        with Client(HttpTransport(proxy.url, gateway.token(), retries=3, backoff=0.01)) as client:
            handle = client.send(NOTIFY_SLACK, {"text": "după reîncercări"})
        keys = [headers.get("Idempotency-Key") for headers in proxy.seen]
        assert len(keys) == 3 and len(set(keys)) == 1 and keys[0]
        with sdk(gateway) as direct:
            assert direct.status(handle).task_id == handle.task_id
    finally:
        proxy.close()
