"""Domain events: one envelope for all, published on the ``workers-core.events`` topic exchange.

Envelope (ARCHITECTURE.md): ``event`` (routing key, e.g. ``efactura.submitted``), ``id``, ``occurred_at``
(UTC, ISO 8601), ``correlation_id`` (from the task headers), ``source`` (worker tag, version, instance),
``data`` and ``error`` (structured, for ``<name>.failed`` events). Publishing is confirmed by RabbitMQ.

Delivery is at least once: an event a task owes is published again by its redelivery (the e-mail worker
publishes ``email.sent`` on the "duplicate" path too) under the same ``id`` (``event_id_for(name, key)``,
derived from the task's idempotency key), so consumers dedupe on ``id``. A publish the broker does not
confirm raises ``EventNotPublished`` (transient): the task is retried or redelivered, never acked without it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from amqp.exceptions import AMQPError, MessageNacked
from celery import Celery
from kombu import Exchange
from kombu.exceptions import KombuError
from pydantic import BaseModel, ConfigDict, Field

from celeryconfig import EVENTS_EXCHANGE_NAME
from shared.context import CORRELATION_HEADER, current_correlation_id
from shared.errors import TransientError
from shared.metrics import EVENTS_PUBLISHED

__all__ = [
    "EVENTS_EXCHANGE",
    "Event",
    "EventError",
    "EventNotPublished",
    "EventPublisher",
    "EventSource",
    "TaskFailedData",
    "event_id_for",
]

log = structlog.get_logger(__name__)
EVENTS_EXCHANGE = Exchange(EVENTS_EXCHANGE_NAME, type="topic", durable=True)
_EVENT_IDS = uuid.UUID("5b0d7c4e-2f0a-4d8e-9a51-6c1f3e2b7a90")


def event_id_for(name: str, key: str) -> str:
    """The one envelope id of event ``name`` about idempotency key ``key``: every redelivery publishes it again."""
    return uuid.uuid5(_EVENT_IDS, f"{name}\n{key}").hex


class EventNotPublished(TransientError):
    """The broker did not take the event (connection lost, no confirm): the task must not be acked as done."""

    code = "event_not_published"


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


class EventError(BaseModel):
    """The envelope's ``error``: the structured form of the exception (``shared.errors.error_dict``)."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    type: str | None = None
    retryable: bool | None = None
    details: dict[str, Any] | None = None


class TaskFailedData(BaseModel):
    """``data`` of ``<task>.failed``, published once a task has failed for good (the cause is in ``error``)."""

    task_id: str


class EventPublisher:
    """Publishes envelopes through the app's producer pool (publisher confirms from the broker options)."""

    def __init__(self, app: Celery, source: EventSource, *, enabled: bool = True):
        self.app = app
        self.source = source
        self.enabled = enabled

    def publish(
        self,
        name: str,
        data: dict[str, Any] | None = None,
        *,
        error: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> Event:
        """Publish (confirmed) or raise ``EventNotPublished``; ``event_id`` fixes the id of a re-publishable event."""
        event = Event(
            event=name, correlation_id=current_correlation_id(), source=self.source, data=data or {}, error=error
        )
        if event_id is not None:
            event.id = event_id
        if not self.enabled:
            return event
        try:
            self._publish(event)
        except (KombuError, AMQPError, MessageNacked, OSError) as exc:
            raise EventNotPublished(
                f"event {name} not published: {exc}", details={"event": name, "event_id": event.id}
            ) from exc
        EVENTS_PUBLISHED.labels(event=name).inc()
        # debug: at e-mail rates an info line per event costs as much as the publish; the task's own
        # "succeeded" line and ``workers_core_events_published_total`` already say it happened
        log.debug("event published", event_name=name, event_id=event.id)
        return event

    def _publish(self, event: Event) -> None:
        name = event.event
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
