"""Domain events: one envelope for all, published on the ``workers-core.events`` topic exchange.

Envelope (ARCHITECTURE.md): ``event`` (routing key, e.g. ``efactura.submitted``), ``id``, ``occurred_at``
(UTC, ISO 8601), ``correlation_id`` (from the task headers), ``source`` (worker tag, version, instance),
``data`` and ``error`` (structured, for ``<name>.failed`` events). Publishing is confirmed by RabbitMQ.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from celery import Celery
from kombu import Exchange
from pydantic import BaseModel, Field

from celeryconfig import EVENTS_EXCHANGE_NAME
from shared.context import CORRELATION_HEADER, current_correlation_id
from shared.metrics import EVENTS_PUBLISHED

__all__ = ["EVENTS_EXCHANGE", "Event", "EventPublisher", "EventSource"]

log = structlog.get_logger(__name__)
EVENTS_EXCHANGE = Exchange(EVENTS_EXCHANGE_NAME, type="topic", durable=True)


class EventSource(BaseModel):
    worker: str
    version: str
    instance: str


class Event(BaseModel):
    event: str
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    source: EventSource
    data: dict[str, Any] = Field(default_factory=dict)
    error: dict[str, Any] | None = None


class EventPublisher:
    """Publishes envelopes through the app's producer pool (publisher confirms from the broker options)."""

    def __init__(self, app: Celery, source: EventSource, *, enabled: bool = True):
        self.app = app
        self.source = source
        self.enabled = enabled

    def publish(self, name: str, data: dict[str, Any] | None = None, *, error: dict[str, Any] | None = None) -> Event:
        event = Event(
            event=name, correlation_id=current_correlation_id(), source=self.source, data=data or {}, error=error
        )
        if not self.enabled:
            return event
        with self.app.producer_or_acquire() as producer:
            # declared once per broker connection (kombu forgets its declarations when it reconnects);
            # ``declare=`` would re-bind and re-check the exchange on every publish, for nothing
            if hash(EVENTS_EXCHANGE) not in producer.connection.declared_entities:
                producer.maybe_declare(EVENTS_EXCHANGE, retry=True)
            producer.publish(
                event.model_dump(mode="json"),
                exchange=EVENTS_EXCHANGE,
                routing_key=name,
                serializer="json",
                delivery_mode=2,
                headers={CORRELATION_HEADER: event.correlation_id or ""},
                message_id=event.id,
                retry=True,
                retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
            )
        EVENTS_PUBLISHED.labels(event=name).inc()
        # debug: at e-mail rates an info line per event costs as much as the publish; the task's own
        # "succeeded" line and ``workers_core_events_published_total`` already say it happened
        log.debug("event published", event_name=name, event_id=event.id)
        return event
