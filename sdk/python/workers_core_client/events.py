"""Typed subscriptions to the domain events on the ``workers-core.events`` topic exchange (AMQP, kombu).

    with subscribe(broker_url, ["efactura.*", "#.failed"]) as events:
        for received in events:                    # ReceivedEvent(envelope: Event, data: EfacturaFiling | ...)
            ...

A queue of the caller's own is bound with each pattern (exclusive and auto-deleted unless ``queue`` names a
durable one); every message is parsed into the generated envelope model and its ``data`` into the event's
model (``catalog.EVENTS``; a plain dict for an event the catalog does not know).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Exchange, Queue, binding
from pydantic import BaseModel

from workers_core_client.catalog import EVENTS, Event
from workers_core_client.errors import Unavailable

__all__ = ["EVENTS_EXCHANGE", "ReceivedEvent", "Subscription", "subscribe"]

EVENTS_EXCHANGE = "workers-core.events"


@dataclass(frozen=True)
class ReceivedEvent:
    envelope: Event
    data: BaseModel | dict[str, Any]

    @property
    def name(self) -> str:
        return self.envelope.event


def parse_event(body: dict[str, Any]) -> ReceivedEvent:
    envelope = Event.model_validate(body)
    model = EVENTS.get(envelope.event)
    data: BaseModel | dict[str, Any] = model.model_validate(body.get("data") or {}) if model else dict(body["data"])
    return ReceivedEvent(envelope, data)


class Subscription:
    """An open subscription; iterate it, or ``get(timeout)`` one event at a time. Close it (or use ``with``)."""

    def __init__(
        self, broker_url: str, patterns: Sequence[str], *, queue: str | None = None, connect_timeout: float = 5.0
    ):
        exchange = Exchange(EVENTS_EXCHANGE, type="topic", durable=True)
        durable = queue is not None
        self.queue = Queue(
            queue or f"workers-core-client.events.{uuid.uuid4().hex[:12]}",
            bindings=[binding(exchange, routing_key=p) for p in patterns],
            durable=durable,
            exclusive=not durable,
            auto_delete=not durable,
        )
        try:
            self.connection = Connection(broker_url, connect_timeout=connect_timeout)
            self.connection.ensure_connection(max_retries=1)
            self.simple = self.connection.SimpleQueue(self.queue)
        except Exception as exc:
            raise Unavailable(f"broker unreachable: {exc!r}", code="broker_unavailable") from exc

    def get(self, timeout: float) -> ReceivedEvent | None:
        """The next event, or ``None`` when none came within ``timeout`` seconds."""
        try:
            message = self.simple.get(block=True, timeout=timeout)
        except self.simple.Empty:
            return None
        message.ack()
        return parse_event(message.payload)

    def __iter__(self) -> Iterator[ReceivedEvent]:
        while True:
            received = self.get(timeout=1.0)
            if received is not None:
                yield received

    def close(self) -> None:
        self.simple.close()
        self.connection.release()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def subscribe(broker_url: str, patterns: Sequence[str], *, queue: str | None = None) -> Subscription:
    """Bind a queue to ``workers-core.events`` with each routing-key pattern (``efactura.*``, ``#.failed``)."""
    return Subscription(broker_url, patterns, queue=queue)
