"""The exact AMQP messages Celery's ``send_task`` would publish for a task, without Celery doing the I/O.

``render(app, ...)`` runs the app's own ``send_task`` (routing, protocol-2 headers, ``argsrepr``, the
``task-sent`` event of ``task_send_sent_event``) against a producer that records each ``publish`` call instead
of writing to a socket, then serializes every recorded call the way kombu's ``Producer.publish`` does. The
gateway then publishes the result on an asyncio AMQP channel with pipelined publisher confirms
(``gateway.publisher``): the same bytes, headers and properties as ``send_task``, without a thread per
in-flight confirm. ``tests/gateway/test_message.py`` checks the equality against messages Celery sent itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from kombu import Exchange, Queue
from kombu.entity import DELIVERY_MODES
from kombu.serialization import dumps

__all__ = ["Declaration", "Outgoing", "render"]

#: the AMQP basic properties a publish may set besides content type, encoding, headers and delivery mode; kombu
#: passes every other keyword (``argsrepr``, ``timeout``, ...) to py-amqp, which writes only these
_PROPERTIES = frozenset(
    {"priority", "correlation_id", "reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id"}
)


@dataclass(frozen=True)
class Declaration:
    """An exchange, or a queue bound to its exchange, that the publish relies on (``declare=`` of kombu)."""

    exchange: str
    exchange_type: str
    exchange_durable: bool
    queue: str | None = None
    routing_key: str | None = None
    durable: bool = True
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    """One AMQP ``basic.publish``: where it goes, its body and its properties."""

    exchange: str
    routing_key: str
    body: bytes
    content_type: str
    content_encoding: str
    headers: dict[str, Any]
    delivery_mode: int
    properties: dict[str, Any]
    declare: tuple[Declaration, ...]


class _Connection:
    @contextlib.contextmanager
    def _reraise_as_library_errors(self) -> Iterator[None]:
        yield


class _RecordingProducer:
    """Stands in for ``kombu.Producer`` in ``send_task(producer=...)``: records what would be published."""

    def __init__(self) -> None:
        self.connection = _Connection()
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def publish(self, body: Any, **kwargs: Any) -> None:
        self.calls.append((body, kwargs))


def _declaration(entity: Exchange | Queue) -> Declaration:
    if isinstance(entity, Queue):
        exchange = entity.exchange
        return Declaration(
            exchange=exchange.name,
            exchange_type=exchange.type,
            exchange_durable=bool(exchange.durable),
            queue=entity.name,
            routing_key=entity.routing_key,
            durable=bool(entity.durable),
            arguments=dict(getattr(entity, "queue_arguments", None) or {}),
        )
    return Declaration(exchange=entity.name, exchange_type=entity.type, exchange_durable=bool(entity.durable))


def _outgoing(body: Any, kwargs: dict[str, Any]) -> Outgoing:
    content_type, content_encoding, data = dumps(body, serializer=kwargs.get("serializer"))
    exchange = kwargs.get("exchange") or ""
    mode = kwargs.get("delivery_mode")
    delivery_mode = DELIVERY_MODES.get(mode, mode) if mode else 2
    properties = {k: v for k, v in kwargs.items() if k in _PROPERTIES and v is not None}
    if "expiration" in properties:  # seconds in kombu, milliseconds as a string on the wire
        properties["expiration"] = str(int(float(properties["expiration"]) * 1000))
    return Outgoing(
        exchange=exchange.name if isinstance(exchange, Exchange) else str(exchange),
        routing_key=str(kwargs.get("routing_key") or ""),
        body=data if isinstance(data, bytes) else data.encode(content_encoding),
        content_type=content_type,
        content_encoding=content_encoding,
        headers=dict(kwargs.get("headers") or {}),
        delivery_mode=int(delivery_mode),
        properties=properties,
        declare=tuple(_declaration(e) for e in kwargs.get("declare") or () if isinstance(e, (Exchange, Queue))),
    )


def render(app: Celery, name: str, payload: dict[str, Any], task_id: str, headers: dict[str, str]) -> list[Outgoing]:
    """The messages ``app.send_task(name, kwargs=payload, task_id=task_id, headers=headers)`` publishes: the task,
    then its ``task-sent`` event when the app sends those. Sensitive values never reach ``kwargsrepr``."""
    producer = _RecordingProducer()
    app.send_task(
        name,
        kwargs=payload,
        task_id=task_id,
        headers=headers,
        producer=producer,
        argsrepr="()",
        kwargsrepr="{" + ", ".join(sorted(payload)) + "}",
    )
    return [_outgoing(body, kwargs) for body, kwargs in producer.calls]
