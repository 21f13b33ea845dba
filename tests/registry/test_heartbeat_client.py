"""shared.heartbeat.Heartbeat: with a fake transport (protocol, backoff) and against the real registry server."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
from pydantic import SecretStr

from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.main import create_app
from shared.heartbeat import Heartbeat, backoff_delay
from tests.registry.helpers import ThreadServer, wait_for


class FakeRegistry:
    """An httpx transport handler recording requests; ``down`` makes it fail like a dead server."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.down = False
        self.status = 200
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        status = 201 if request.method == "POST" and self.status == 200 else self.status
        return httpx.Response(status, json={"status": "running"})

    def calls(self) -> list[tuple[str, str]]:
        with self.lock:
            return [(r.method, r.url.path) for r in self.requests]


def settings(**kw: Any) -> SimpleNamespace:
    base = {
        "registry_url": "http://registry.test",
        "registry_token": SecretStr("tok"),
        "heartbeat_interval": 0.05,
        "worker_version": "9.9.9",
    }
    base.update(kw)
    return SimpleNamespace(**base)


def make(fake: FakeRegistry, stats: Callable[[], dict[str, Any]] | None = None, **kw: Any) -> Heartbeat:
    return Heartbeat(
        settings(**kw),
        tag="pdf.render",
        instance_id="pdf@host",
        health_endpoint="http://127.0.0.1:9802",
        stats=stats or (lambda: {"queue_size": 1, "active_tasks": 0}),
        transport=httpx.MockTransport(fake),
        rng=random.Random(7),
    )


def test_disabled_without_url() -> None:
    beat = Heartbeat(settings(registry_url=""), tag="ocr", instance_id="ocr@h", health_endpoint=None, stats=dict)
    assert not beat.enabled
    beat.start()
    beat.stop()
    assert threading.active_count() >= 1 and beat.beats == 0


def test_registers_then_beats_then_unregisters() -> None:
    fake = FakeRegistry()
    beat = make(fake)
    beat.start()
    wait_for(lambda: len(fake.calls()) >= 3, 5, what="three calls")
    beat.stop()
    calls = fake.calls()
    assert calls[0] == ("POST", "/v1/workers/pdf.render/instances")
    assert set(calls[1:-1]) == {("PATCH", "/v1/workers/pdf.render/heartbeat")}
    assert calls[-1] == ("DELETE", "/v1/workers/pdf.render/instances/pdf@host")
    first = fake.requests[0]
    assert first.headers["authorization"] == "Bearer tok"
    body = json.loads(first.content)
    assert body["instance_id"] == "pdf@host" and body["version"] == "9.9.9"
    assert body["health_endpoint"] == "http://127.0.0.1:9802" and body["queue_size"] == 1
    assert "started_at" in body
    assert beat.registered is False


def test_registry_down_backs_off_and_re_registers() -> None:
    fake = FakeRegistry()
    beat = make(fake)
    assert beat.beat_once() and beat.registered
    fake.down = True
    assert not beat.beat_once()
    assert not beat.beat_once()
    assert beat.failures == 2 and not beat.registered and "unreachable" in (beat.last_error or "")
    fake.down = False
    assert beat.beat_once()
    methods = [m for m, _ in fake.calls()]
    assert methods == ["POST", "PATCH", "POST", "POST"]  # after a failure the next call registers again
    assert beat.failures == 0


def test_refusals_count_as_failures_and_stop_skips_unregister_when_never_registered() -> None:
    fake = FakeRegistry()
    fake.status = 401
    beat = make(fake)
    beat.start()
    wait_for(lambda: beat.failures >= 2, 10, what="two failures")
    beat.stop()
    assert "401" in (beat.last_error or "")
    assert all(m == "POST" for m, _ in fake.calls())  # no DELETE: it never registered


def test_bad_stats_never_stop_the_heartbeat() -> None:
    fake = FakeRegistry()

    def broken() -> dict[str, Any]:
        raise RuntimeError("stats exploded")

    assert make(fake, stats=broken).beat_once()
    assert make(fake, stats=lambda: {"queue_size": -5, "health_score": 500}).beat_once()
    sent = [json.loads(r.content) for r in fake.requests]
    # invalid stats are dropped (defaults sent), identity still sent
    assert all(body["queue_size"] == 0 and "health_score" not in body for body in sent)
    assert all(body["instance_id"] == "pdf@host" for body in sent)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, interval=30, rng=rng) for n in range(1, 10)]
    assert 0.5 <= delays[0] <= 1.0
    assert 1.0 <= delays[1] <= 2.0
    assert all(15 <= d <= 30 for d in delays[6:])  # the window is capped at one interval
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered
    fake = FakeRegistry()
    beat = make(fake, heartbeat_interval=30)
    assert 27 <= beat.next_delay(True) <= 33
    beat.failures = 3
    assert 2 <= beat.next_delay(False) <= 4


def test_settings_with_uppercase_names_and_plain_strings() -> None:
    fake = FakeRegistry()
    s = SimpleNamespace(REGISTRY_URL="http://registry.test/", REGISTRY_TOKEN="abc", HEARTBEAT_INTERVAL="12")
    beat = Heartbeat(
        s,
        tag="ocr",
        instance_id="ocr@h",
        health_endpoint=None,
        stats=dict,
        transport=httpx.MockTransport(fake),
        version="1.0",
    )
    assert beat.url == "http://registry.test" and beat.interval == 12.0
    assert beat.beat_once()
    assert fake.requests[0].headers["authorization"] == "Bearer abc"


def test_against_the_real_registry(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, token: Callable[..., str]
) -> None:
    server = ThreadServer(create_app(make_settings())).start()
    worker_settings = settings(
        registry_url=server.url, registry_token=token(SCOPE_HEARTBEAT, tag="ocr"), heartbeat_interval=0.2
    )
    beat = Heartbeat(
        worker_settings,
        tag="ocr",
        instance_id="ocr@real",
        health_endpoint="http://127.0.0.1:9801",
        stats=lambda: {"active_tasks": 2, "health_score": 90, "last_task_time": time.time()},
    )
    try:
        beat.start()
        read = {"Authorization": f"Bearer {token(SCOPE_READ)}"}

        def instance() -> dict[str, Any] | None:
            response = httpx.get(f"{server.url}/v1/workers/ocr", headers=read, timeout=5)
            if response.status_code != 200:
                return None
            return next(iter(response.json()["instances"]), None)

        seen = wait_for(
            lambda: (i := instance()) and i["metrics"]["active_tasks"] == 2 and beat.beats >= 3 and i,
            30,
            what="heartbeats stored",
        )
        assert seen["status"] == "running" and seen["version"] == "9.9.9"
        assert seen["metrics"]["reported_health_score"] == 90
        beat.stop()
        stopped = instance()
        assert stopped is not None and stopped["status"] == "stopped" and stopped["reason"] == "unregistered"
    finally:
        beat.stop()
        server.stop()


def test_stop_with_registry_gone_does_not_raise() -> None:
    fake = FakeRegistry()
    beat = make(fake)
    assert beat.beat_once()
    beat.start()  # already registered
    fake.down = True
    beat.stop()  # the DELETE fails: logged, not raised
    assert ("DELETE", "/v1/workers/pdf.render/instances/pdf@host") in fake.calls()
