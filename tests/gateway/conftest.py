"""Gateway fixtures: a RabbitMQ vhost of the gateway tests (queues nobody else consumes), a running gateway,
and helpers to read what it published."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from kombu import Connection

from celeryconfig import QUEUES, task_queue
from tests.conftest import SESSION, temporary_vhost
from tests.support.gateway import GatewayServer


@pytest.fixture(scope="session")
def gateway_broker_url() -> Iterator[str]:
    """Tasks sent by the gateway tests stay in this vhost (no other test's worker ever consumes them)."""
    with temporary_vhost(f"wc-test-gw-{SESSION}") as url:
        yield url


@pytest.fixture(scope="module")
def gateway(gateway_broker_url: str, redis_url: str) -> Iterator[GatewayServer]:
    server = GatewayServer(gateway_broker_url, redis_url).start()
    yield server
    server.stop()


@pytest.fixture
def http(gateway: GatewayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        yield client


def drain(broker_url: str, queue: str) -> list[tuple[dict[str, object], dict[str, object]]]:
    """Every message waiting in ``queue`` as ``(headers, kwargs)`` (acknowledged: the queue is left empty)."""
    out: list[tuple[dict[str, object], dict[str, object]]] = []
    with Connection(broker_url) as conn:
        simple = conn.SimpleQueue(task_queue(QUEUES[queue]), no_ack=False)
        try:
            while True:
                try:
                    message = simple.get(timeout=1)
                except simple.Empty:
                    break
                _, kwargs, _ = message.decode()
                out.append((dict(message.headers), kwargs))
                message.ack()
        finally:
            simple.close()
    return out
