"""End to end with real worker processes: three ``ocr`` workers register and heartbeat; one is SIGKILLed and
marked failed within the configured window, restarted and running again; a SIGTERMed one unregisters; with
the registry down the workers keep processing tasks, and they re-register when it is back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.main import create_app
from tests.registry.helpers import ThreadServer, free_port, subscribe_events, wait_for
from tests.support.workers import WorkerProcess

# the key acceptance flow: runs in CI (about 35 s)

HEARTBEAT_INTERVAL = 1.0
ERROR_AFTER = 4.0  # 4 missed beats
SWEEP = 0.5
DETECTION_WINDOW = ERROR_AFTER + SWEEP + 2.5  # + a beat in flight and scheduling slack on a busy 2-core box


@pytest.fixture
def registry_settings(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, broker_url: str
) -> RegistrySettings:
    return make_settings(
        jobs_enabled=True,
        heartbeat_interval=HEARTBEAT_INTERVAL,
        error_after=ERROR_AFTER,
        stop_after=30.0,
        purge_after=120.0,
        sweep_interval=SWEEP,
        flush_interval=0.5,
        healthcheck_interval=2.0,
        healthcheck_timeout=2.0,
        healthcheck_retries=1,
        scrape_failures_before_error=2,
        queue_poll_interval=2.0,
        rmq_url=broker_url,
    )


@pytest.fixture
def registry(registry_settings: RegistrySettings) -> Iterator[ThreadServer]:
    server = ThreadServer(create_app(registry_settings), port=free_port()).start()
    yield server
    server.stop()


def instances(server: ThreadServer, read: dict[str, str]) -> dict[str, dict[str, Any]]:
    try:
        response = httpx.get(f"{server.url}/v1/workers/ocr", headers=read, timeout=5)
    except httpx.HTTPError:
        return {}
    if response.status_code != 200:
        return {}
    return {i["instance_id"]: i for i in response.json()["instances"]}


def test_heartbeat_flow_with_real_workers(
    registry: ThreadServer,
    registry_settings: RegistrySettings,
    token: Callable[..., str],
    start_worker: Callable[..., WorkerProcess],
    celery_client: Any,
) -> None:
    read = {"Authorization": f"Bearer {token(SCOPE_READ)}"}
    env = {
        "REGISTRY_URL": registry.url,
        "REGISTRY_TOKEN": token(SCOPE_HEARTBEAT, ttl=3600, tag="ocr"),
        "HEARTBEAT_INTERVAL": str(HEARTBEAT_INTERVAL),
    }
    workers = [start_worker("ocr", env=env, wait=False) for _ in range(3)]
    for worker in workers:
        worker.wait_ready(90)
    a, b, c = workers
    names = {w.name for w in workers}

    # 1. all three register and heartbeats flow (last_seen advances), with their health endpoints
    first = wait_for(
        lambda: (
            (seen := instances(registry, read))
            and names <= set(seen)
            and all(seen[n]["status"] == "running" for n in names)
            and seen
        ),
        60,
        what="3 running instances",
    )
    assert {first[w.name]["health_endpoint"] for w in workers} == {w.health_url for w in workers}
    wait_for(
        lambda: all(_ts(instances(registry, read)[n]["last_seen"]) > _ts(first[n]["last_seen"]) for n in names),
        10,
        what="heartbeats to advance last_seen",
    )
    # the health-check job scrapes the real worker /metrics
    wait_for(
        lambda: all(instances(registry, read)[n]["metrics"]["last_scrape_at"] for n in names),
        15,
        what="the health-check job to scrape every worker",
    )

    with subscribe_events(registry_settings.redis_url.get_secret_value()) as collect:
        # 2. SIGKILL: marked failed within the configured window
        killed_at = time.monotonic()
        a.kill()
        wait_for(
            lambda: instances(registry, read)[a.name]["status"] == "error",
            DETECTION_WINDOW,
            interval=0.1,
            what=f"{a.name} marked error within {DETECTION_WINDOW}s",
        )
        detected = time.monotonic() - killed_at
        print(f"SIGKILLed worker marked error after {detected:.1f}s (window {DETECTION_WINDOW}s)")
        assert detected <= DETECTION_WINDOW
        assert instances(registry, read)[a.name]["reason"] in ("heartbeat_missed", "scrape_failed")
        assert {instances(registry, read)[n]["status"] for n in (b.name, c.name)} == {"running"}

        # 3. restarted (same instance id): running again
        a.start()
        wait_for(lambda: instances(registry, read)[a.name]["status"] == "running", 60, what=f"{a.name} running again")

        # 4. SIGTERM (warm shutdown): it unregisters
        b.stop()
        gone = wait_for(
            lambda: (i := instances(registry, read)[b.name])["status"] == "stopped" and i,
            15,
            what=f"{b.name} unregistered",
        )
        assert gone["reason"] == "unregistered"
        events = collect(1.0)
    changes = [(e["event"], e["data"]["instance_id"], e["data"]["status"]) for e in events]
    assert ("worker.status_changed", a.name, "error") in changes
    assert ("worker.registered", a.name, "running") in changes or ("worker.registered", a.name, "idle") in changes
    assert ("worker.unregistered", b.name, "stopped") in changes

    # 5. registry down for a while: workers keep processing tasks, then re-register when it is back
    registry.stop()
    down_at = time.time()
    results = [celery_client.send_task("ocr.ping", kwargs={"echo": f"while-down-{i}"}) for i in range(4)]
    answers = [r.get(timeout=60) for r in results]
    assert all(answers), answers
    time.sleep(max(0.0, 3 * HEARTBEAT_INTERVAL - (time.time() - down_at)))  # several beats fail meanwhile
    with subscribe_events(registry_settings.redis_url.get_secret_value()) as collect:
        revived = ThreadServer(create_app(registry_settings), port=registry.port).start()  # a fresh process' worth
        try:
            back = wait_for(
                lambda: (
                    (seen := instances(revived, read))
                    and all(
                        seen[n]["status"] == "running" and _ts(seen[n]["last_seen"]) > down_at for n in (a.name, c.name)
                    )
                    and seen
                ),
                30,
                what="workers re-registered after the registry came back",
            )
            events = collect(1.0)
        finally:
            revived.stop()
    assert back[b.name]["status"] == "stopped"
    registered = {e["data"]["instance_id"] for e in events if e["event"] == "worker.registered"}
    assert {a.name, c.name} <= registered  # a registration (POST), not just a heartbeat


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
