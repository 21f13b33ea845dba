"""A domain event due while the broker is down (issue 20 F2): the publish fails loudly, as a transient error.

The publisher goes through a cuttable proxy to the session's RabbitMQ. With the link cut the publish must raise
``EventNotPublished`` (a ``TransientError``: the task is retried or redelivered, never acked without its
event); once the link is back the same envelope id goes out and a consumer sees it.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from kombu import Connection, Queue

from shared.celery_app import create_client
from shared.config import WorkerSettings
from shared.errors import TransientError
from shared.events import EVENTS_EXCHANGE, EventNotPublished, EventPublisher, EventSource, event_id_for
from tests.support.faults import proxy_for, through


def test_event_published_with_the_broker_down_fails_transient_then_goes_out(
    broker_url: str, redis_url: str, tcp_proxy
) -> None:
    proxy = proxy_for(broker_url, tcp_proxy)
    settings = WorkerSettings(RMQ_URL=through(broker_url, proxy), REDIS_URL=redis_url, WORKERS_CORE_ENV="test")
    app = create_client(settings)
    publisher = EventPublisher(app, EventSource(worker="email.send", version="test", instance="faults"))
    event_id = event_id_for("email.sent", f"task:{uuid.uuid4()}")
    with Connection(broker_url) as conn:
        queue = Queue(
            f"test-event-outage-{uuid.uuid4().hex[:6]}",
            exchange=EVENTS_EXCHANGE,
            routing_key="email.sent",
            durable=False,
            auto_delete=True,
        )
        queue(conn.default_channel).declare()
        publisher.publish("email.sent", {"n": 0})  # the producer connection is up
        proxy.cut()
        started = time.monotonic()
        with pytest.raises(EventNotPublished) as raised:
            publisher.publish("email.sent", {"n": 1}, event_id=event_id)
        failed_after = time.monotonic() - started
        assert isinstance(raised.value, TransientError) and raised.value.details["event_id"] == event_id
        proxy.restore()
        assert publisher.publish("email.sent", {"n": 1}, event_id=event_id).id == event_id
        simple = conn.SimpleQueue(queue, no_ack=True)
        bodies = [json.loads(simple.get(timeout=5).body) for _ in range(2)]
        simple.close()
    app.close()
    print(f"event publish with the broker down failed after {failed_after:.1f}s")
    assert failed_after < 15
    assert [b["data"]["n"] for b in bodies] == [0, 1] and bodies[1]["id"] == event_id
