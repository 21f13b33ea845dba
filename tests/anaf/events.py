"""Test helper: a temporary queue on the events exchange collecting envelopes (bind before acting)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu import Connection, Queue

from shared.events import EVENTS_EXCHANGE


class EventCollector:
    def __init__(self, broker_url: str, pattern: str):
        self._conn = Connection(broker_url)
        self._queue = Queue(
            f"test-anaf-events-{uuid.uuid4().hex[:8]}",
            exchange=EVENTS_EXCHANGE,
            routing_key=pattern,
            durable=False,
            auto_delete=False,
        )
        self._queue(self._conn.default_channel).declare()
        self._simple = self._conn.SimpleQueue(self._queue, no_ack=True)
        self.events: list[dict[str, Any]] = []

    def collect(self, until: int, name: str | None = None, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Envelopes received so far, waiting until ``until`` of them (named ``name`` if given) arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.named(name)) < until:
            try:
                self.events.append(self._simple.get(timeout=0.3).payload)
            except self._simple.Empty:
                continue
        return self.named(name)

    def named(self, name: str | None) -> list[dict[str, Any]]:
        return [e for e in self.events if name is None or e["event"] == name]

    def close(self) -> None:
        self._simple.close()
        self._queue(self._conn.default_channel).delete()
        self._conn.close()


@contextmanager
def collect_events(broker_url: str, pattern: str) -> Iterator[EventCollector]:
    collector = EventCollector(broker_url, pattern)
    try:
        yield collector
    finally:
        collector.close()
