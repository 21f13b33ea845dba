"""The gateway's own AMQP publishing sends what Celery's ``send_task`` sends: same body, headers, properties,
routing and ``task-sent`` event, read back from a real RabbitMQ (a vhost of this module, nothing declared in it)."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue

from gateway.config import GatewaySettings
from gateway.errors import UnavailableError
from gateway.publisher import Publisher, client_app
from tests.conftest import temporary_vhost

TASK = "notify.slack"
PAYLOAD = {"text": "Factura FCT-1 a fost încasată", "channel": "#facturi", "token_hint": "x"}
#: differ by construction between two sends: the task id and what derives from it, the send instant
VOLATILE_HEADERS = {"id", "root_id", "x-sent-at"}
VOLATILE_EVENT = {"uuid", "root_id", "clock", "timestamp", "local_received"}


@pytest.fixture(scope="module")
def empty_vhost_url() -> Iterator[str]:
    with temporary_vhost(f"wc-gateway-message-{uuid.uuid4().hex[:8]}") as url:
        yield url


def _settings(url: str, redis_url: str) -> GatewaySettings:
    return GatewaySettings(
        RMQ_URL=url, REDIS_URL=redis_url, jwt_secret=secrets.token_urlsafe(48), WORKERS_CORE_ENV="test"
    )


def _taps(conn: Connection) -> tuple[Queue, Queue]:
    """Copies of what reaches the task exchange and the event exchange (declared like Celery declares them)."""
    channel = conn.default_channel
    tasks = Queue(f"tap-{uuid.uuid4().hex[:6]}", Exchange("workers-core", "topic"), routing_key=TASK, exclusive=True)
    events = Queue(f"tap-{uuid.uuid4().hex[:6]}", Exchange("celeryev", "topic"), routing_key="task.sent")
    for queue in (tasks, events):
        queue(channel).declare()
    return tasks, events


def _read(conn: Connection, queue: Queue) -> dict[str, Any]:
    message = conn.default_channel.basic_get(queue.name, no_ack=True)
    assert message is not None, f"nothing reached {queue.name}"
    props = {k: v for k, v in message.properties.items() if k != "application_headers"}
    return {"body": message.body, "headers": dict(message.headers or {}), "properties": props}


def _same(a: Any, b: Any, old: str, new: str) -> None:
    assert json.loads(json.dumps(a, default=str).replace(old, new)) == json.loads(json.dumps(b, default=str))


def test_the_gateway_publishes_what_send_task_publishes(empty_vhost_url: str, redis_url: str) -> None:
    settings = _settings(empty_vhost_url, redis_url)
    headers = {"x-correlation-id": uuid.uuid4().hex, "x-tenant": "acme", "x-caller": "billing"}
    celery_id, gateway_id = str(uuid.uuid4()), str(uuid.uuid4())
    app = client_app(settings)
    publisher = Publisher(settings, app)
    with Connection(empty_vhost_url) as conn:
        # a fresh vhost: the task's queue does not exist yet; the first publish declares it (as send_task does)
        publisher_first = asyncio.run(_publish_and_close(publisher, gateway_id, headers))
        assert publisher_first is None
        queue_state = conn.default_channel.queue_declare(TASK, passive=True)
        assert queue_state.message_count == 1, "the task sent before any worker started was not kept"
        tasks, events = _taps(conn)
        app.send_task(TASK, kwargs=PAYLOAD, task_id=celery_id, headers=headers, argsrepr="()",
                      kwargsrepr="{channel, text, token_hint}")  # fmt: skip
        by_celery = (_read(conn, tasks), _read(conn, events))
        asyncio.run(_publish_and_close(Publisher(settings, app), gateway_id, headers))
        by_gateway = (_read(conn, tasks), _read(conn, events))
    app.close()
    (c_task, c_event), (g_task, g_event) = by_celery, by_gateway
    # the one addition: aiormq stamps every publish with a message_id (it matches returned messages by it)
    assert g_task["properties"].pop("message_id") and g_event["properties"].pop("message_id")
    assert json.loads(g_task["body"]) == json.loads(c_task["body"]) == [[], PAYLOAD, json.loads(c_task["body"])[2]]
    for volatile in VOLATILE_HEADERS:
        c_task["headers"].pop(volatile), g_task["headers"].pop(volatile)
    _same(c_task["headers"], g_task["headers"], celery_id, gateway_id)
    _same(c_task["properties"], g_task["properties"], celery_id, gateway_id)
    assert g_task["properties"]["delivery_mode"] == 2 and g_task["properties"]["correlation_id"] == gateway_id
    c_body, g_body = json.loads(c_event["body"]), json.loads(g_event["body"])
    assert g_body["uuid"] == gateway_id and g_body["type"] == "task-sent" and g_body["queue"] == TASK
    assert "FCT-1" not in str(g_event["body"]), "a payload value reached the task-sent event"
    _same({k: v for k, v in c_body.items() if k not in VOLATILE_EVENT},
          {k: v for k, v in g_body.items() if k not in VOLATILE_EVENT}, celery_id, gateway_id)  # fmt: skip
    _same(c_event["properties"], g_event["properties"], celery_id, gateway_id)


async def _publish_and_close(publisher: Publisher, task_id: str, headers: dict[str, str]) -> None:
    try:
        await publisher.publish(TASK, PAYLOAD, task_id, headers)
    finally:
        await publisher.close()


def test_a_broker_that_refuses_connections_is_unavailable_fast(redis_url: str) -> None:
    settings = _settings("amqp://guest:guest@127.0.0.1:9//", redis_url).model_copy(
        update={"publish_timeout_s": 1.0, "publish_retries": 1}
    )

    async def attempt() -> float:
        publisher = Publisher(settings)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(UnavailableError) as raised:
            await publisher.publish(TASK, PAYLOAD, str(uuid.uuid4()), {})
        assert raised.value.code == "broker_unavailable"
        assert await publisher.ping(timeout=1.0) is False
        return loop.time() - started

    assert asyncio.run(attempt()) < 5.0


def test_a_cut_link_is_unavailable_then_the_next_publish_reconnects(broker_url: str, redis_url: str, tcp_proxy) -> None:
    """Through a cuttable proxy to the session's RabbitMQ: published, then the link cut (503, many concurrent
    publishes at once: none hangs, none escapes as a 500), then back: the next publishes reconnect and go out."""
    from tests.support.faults import proxy_for, through

    proxy = proxy_for(broker_url, tcp_proxy)
    settings = _settings(through(broker_url, proxy), redis_url).model_copy(
        update={"publish_timeout_s": 2.0, "publish_retries": 1}
    )

    async def scenario() -> tuple[list[str], list[str]]:
        publisher = Publisher(settings)
        try:
            await publisher.publish(TASK, PAYLOAD, str(uuid.uuid4()), {})
            proxy.cut()
            cut = await asyncio.gather(
                *(publisher.publish(TASK, PAYLOAD, str(uuid.uuid4()), {}) for _ in range(20)), return_exceptions=True
            )
            proxy.restore()
            back = await asyncio.gather(
                *(publisher.publish(TASK, PAYLOAD, str(uuid.uuid4()), {}) for _ in range(20)), return_exceptions=True
            )
            return [type(r).__name__ for r in cut], [type(r).__name__ for r in back]
        finally:
            await publisher.close()

    during, after = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert set(during) == {"UnavailableError"}, during
    assert set(after) == {"NoneType"}, after
