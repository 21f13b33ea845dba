"""Queue depth from real RabbitMQ, queue velocity, and the scaling hints KEDA reads (cooldown, min/max)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kombu import Connection, Exchange, Queue

from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.main import create_app
from registry.scaling import velocity
from shared.broker import queue_depths
from tests.registry.helpers import FakeClock, payload

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def queue(broker_url: str) -> Iterator[str]:
    """A queue of our own in this session's vhost, named like a tag; deleted afterwards."""
    name = f"registry-test-{uuid.uuid4().hex[:8]}"
    with Connection(broker_url) as conn:
        q = Queue(name, Exchange(""), routing_key=name, durable=False, auto_delete=False)
        q(conn.default_channel).declare()
        yield name
        q(conn.default_channel).delete()


def publish(broker_url: str, queue: str, count: int) -> None:
    with Connection(broker_url) as conn:
        producer = conn.Producer(serializer="json")
        for i in range(count):
            producer.publish({"n": i}, exchange="", routing_key=queue, retry=True)


def test_queue_depths_from_rabbitmq(broker_url: str, queue: str) -> None:
    publish(broker_url, queue, 7)
    depths = queue_depths(broker_url, [queue, "no-such-queue-" + uuid.uuid4().hex[:6]])
    assert depths == {queue: (7, 0)}


def test_velocity() -> None:
    assert velocity([], window=60) == (None, None)
    samples = [
        {"at": 200.0, "depth": 300, "completed": 150.0},
        {"at": 150.0, "depth": 200, "completed": 100.0},
        {"at": 100.0, "depth": 100, "completed": 50.0},
        {"at": 0.0, "depth": 0, "completed": 0.0},
    ]
    slope, completion = velocity(samples, window=120)
    assert slope == pytest.approx(2.0) and completion == pytest.approx(1.0)
    assert velocity(samples[:1], window=120) == (None, None)
    assert velocity([samples[0], samples[3]], window=120) == (None, None)  # too old to count
    assert velocity([{"at": 5.0, "depth": None}, {"at": 1.0, "depth": 3}], window=60) == (None, None)


def test_scaling_hints_follow_depth_and_velocity_with_cooldown(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, auth: Auth, broker_url: str, queue: str
) -> None:
    clock = FakeClock()
    settings = make_settings(
        rmq_url=broker_url,
        scaling_limits=f'{{"{queue}": [1, 5]}}',
        scaling_cooldown=120,
        scaling_drain_seconds=100,
        scaling_default_rate=1.0,
        scaling_window=120,
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]

        def sample() -> Any:
            return client.portal.call(runtime.queues.run_once)  # type: ignore[union-attr]

        def hint() -> dict[str, Any]:
            response = client.get(f"/v1/scaling/{queue}", headers=auth(SCOPE_READ))
            assert response.status_code == 200
            return dict(response.json())

        client.post(
            f"/v1/workers/{queue}/instances",
            json=payload("w@1", tasks_succeeded=0, tasks_failed=0),
            headers=auth(SCOPE_HEARTBEAT, tag=queue),
        )
        assert sample() == {queue: (0, 0)}
        first = hint()
        assert (first["desired_replicas"], first["current_replicas"], first["queue_depth"]) == (1, 1, 0)
        assert first["min_replicas"] == 1 and first["max_replicas"] == 5

        publish(broker_url, queue, 300)
        clock.advance(60)
        client.patch(
            f"/v1/workers/{queue}/heartbeat",
            json=payload("w@1", tasks_succeeded=50, tasks_failed=10),
            headers=auth(SCOPE_HEARTBEAT, tag=queue),
        )
        sample()
        busy = hint()
        # completion 60/60 s = 1/s, depth slope 300/60 s = 5/s -> arrivals 6/s at 1/s per replica: 6 + 300/100 -> 9
        assert busy["completion_rate"] == pytest.approx(1.0) and busy["velocity"] == pytest.approx(5.0)
        assert busy["arrival_rate"] == pytest.approx(6.0)
        assert busy["desired_replicas"] == 5 and "-> 9 (limits 1-5)" in busy["reason"]  # clamped to max

        listed = client.get("/v1/scaling", headers=auth(SCOPE_READ)).json()
        assert [t["tag"] for t in listed["tags"]] == [queue]

        # the queue drains: scale-down is held by the cooldown, then allowed
        with Connection(broker_url) as conn:
            conn.default_channel.queue_purge(queue)
        clock.advance(30)
        client.patch(
            f"/v1/workers/{queue}/heartbeat",
            json=payload("w@1", tasks_succeeded=80, tasks_failed=10),
            headers=auth(SCOPE_HEARTBEAT, tag=queue),
        )
        sample()
        held = hint()
        assert held["desired_replicas"] == 5 and held["cooldown_remaining"] > 0 and "cooldown" in held["reason"]
        clock.advance(200)
        client.patch(
            f"/v1/workers/{queue}/heartbeat",
            json=payload("w@1", tasks_succeeded=80, tasks_failed=10),
            headers=auth(SCOPE_HEARTBEAT, tag=queue),
        )
        sample()
        calm = hint()
        assert calm["desired_replicas"] == 1 and calm["cooldown_remaining"] == 0

        text = client.get("/metrics").text
        assert f'queue_depth{{tag="{queue}"}} 0.0' in text


def test_unknown_tag_gets_the_minimum(client: TestClient, auth: Auth) -> None:
    hint = client.get("/v1/scaling/anaf.saft", headers=auth(SCOPE_READ)).json()
    assert (hint["desired_replicas"], hint["current_replicas"], hint["queue_depth"]) == (1, 0, None)
