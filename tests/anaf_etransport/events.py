"""Test helper: a queue bound to the events exchange that collects envelopes by routing key."""

from __future__ import annotations

import time
import uuid
from typing import Any

from kombu import Connection, Queue

from shared.events import EVENTS_EXCHANGE


class EventSink:
    """Bind before acting, then ``wait_for(name)``; the queue is deleted on ``close()``."""

    def __init__(self, broker_url: str, pattern: str):
        self.conn = Connection(broker_url)
        self.queue = Queue(
            f"test-events-{uuid.uuid4().hex[:8]}",
            exchange=EVENTS_EXCHANGE,
            routing_key=pattern,
            durable=False,
            auto_delete=False,
        )
        self.queue(self.conn.default_channel).declare()
        self.simple = self.conn.SimpleQueue(self.queue, no_ack=True)
        self.received: list[tuple[str, dict[str, Any]]] = []

    def drain(self, seconds: float = 0.5) -> list[tuple[str, dict[str, Any]]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                msg = self.simple.get(timeout=0.2)
            except self.simple.Empty:
                continue
            self.received.append((msg.delivery_info["routing_key"], msg.payload))
        return self.received

    def wait_for(self, name: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for key, payload in self.received:
                if key == name:
                    return payload
            self.drain(0.5)
        raise AssertionError(f"no {name} event; got {[k for k, _ in self.received]}")

    def names(self) -> list[str]:
        return [k for k, _ in self.received]

    def close(self) -> None:
        self.simple.close()
        self.queue(self.conn.default_channel).delete()
        self.conn.close()
