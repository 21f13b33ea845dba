"""The AsyncAPI 3.0 document of the ``workers-core.events`` exchange, generated from the event declarations.

Every worker package declares the events it emits in ``<package>.events:EVENTS`` (``EventSpec``: name, data
model, error model); every public task also emits ``<task>.failed`` (``shared.tasks.WorkerTask.on_failure``).
The document names each event (its routing key and channel), the envelope (``shared.events.Event``) and each
event's ``data`` (and ``error``) schema. It is committed as ``docs/asyncapi.json`` and checked for freshness
(``workers-core contracts asyncapi --write|--check``); the SDKs generate their event types from it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from celeryconfig import EVENTS_EXCHANGE_NAME, QUEUES
from shared import __version__, plugins
from shared.context import CORRELATION_HEADER
from shared.contracts import declared_tasks
from shared.events import Event, EventError, TaskFailedData
from shared.worker import EventSpec

__all__ = ["ASYNCAPI_PATH", "DeclaredEvent", "asyncapi_document", "declared_events"]

#: the committed document (beside the product's other generated docs, at the root of the repository)
ASYNCAPI_PATH = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"
REF = "#/components/schemas/{model}"
AMQP_BINDING_VERSION = "0.3.0"

DeclaredEvent = tuple[str, EventSpec]


def _package_events(package: str) -> Sequence[EventSpec]:
    if importlib.util.find_spec(f"{package}.events") is None:
        return ()
    events: Sequence[EventSpec] = plugins.load(f"{package}.events:EVENTS")
    return events


def declared_events() -> list[DeclaredEvent]:
    """``(worker tag, EventSpec)`` of every declared event and every task's ``.failed``, sorted by name."""
    out: list[DeclaredEvent] = []
    for tag, queue in QUEUES.items():
        out.extend((tag, spec) for spec in _package_events(queue.package))
        out.extend(
            (tag, EventSpec(f"{task.name}.failed", TaskFailedData, f"``{task.name}`` failed for good.", EventError))
            for task in declared_tasks(tag)
        )
    names = [spec.name for _tag, spec in out]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"events declared twice: {duplicates}")
    return sorted(out, key=lambda item: item[1].name)


def _payload(spec: EventSpec, refs: dict[type[BaseModel], str]) -> dict[str, Any]:
    error: dict[str, Any] = {"$ref": refs[spec.error]} if spec.error else {"type": "null"}
    return {
        "allOf": [
            {"$ref": refs[Event]},
            {
                "type": "object",
                "required": ["event", "data"],
                "properties": {"event": {"const": spec.name}, "data": {"$ref": refs[spec.data]}, "error": error},
            },
        ]
    }


def _message(tag: str, spec: EventSpec, refs: dict[type[BaseModel], str]) -> dict[str, Any]:
    return {
        "name": spec.name,
        "title": spec.name,
        "summary": spec.description or (spec.data.__doc__ or "").strip().split("\n")[0],
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/EventHeaders"},
        "correlationId": {"$ref": "#/components/correlationIds/correlation"},
        "payload": _payload(spec, refs),
        "bindings": {"amqp": {"messageType": spec.name, "bindingVersion": AMQP_BINDING_VERSION}},
        "x-worker": tag,
    }


def _channel(spec: EventSpec) -> dict[str, Any]:
    return {
        "address": spec.name,
        "description": f"Routing key ``{spec.name}`` on the ``{EVENTS_EXCHANGE_NAME}`` topic exchange.",
        "messages": {spec.name: {"$ref": f"#/components/messages/{spec.name}"}},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": EVENTS_EXCHANGE_NAME,
                    "type": "topic",
                    "durable": True,
                    "autoDelete": False,
                    "vhost": "/",
                },
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
    }


def _schemas(events: list[DeclaredEvent]) -> tuple[dict[type[BaseModel], str], dict[str, Any]]:
    models: list[type[BaseModel]] = [Event]
    for _tag, spec in events:
        models.extend(m for m in (spec.data, spec.error) if m is not None and m not in models)
    keyed, top = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    refs: dict[type[BaseModel], str] = {}
    for (model, _mode), schema in keyed.items():
        if isinstance(model, type) and issubclass(model, BaseModel):
            refs[model] = schema["$ref"]
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    schemas["EventHeaders"] = {
        "type": "object",
        "properties": {CORRELATION_HEADER: {"type": "string", "description": "the correlation id ('' when none)"}},
    }
    return refs, dict(sorted(schemas.items()))


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document: one channel, message and ``send`` operation per event."""
    events = declared_events()
    refs, schemas = _schemas(events)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "workers-core domain events",
            "version": __version__,
            "description": (
                f"Events the workers publish on the `{EVENTS_EXCHANGE_NAME}` topic exchange (durable, persistent "
                "messages, publisher confirms). The routing key is the event name; bind a queue with a pattern "
                "such as `efactura.*` or `#.failed`. Every message is the same envelope (`Event`) whose `data` "
                "(and `error`) depend on the event. Generated by `workers-core contracts asyncapi --write`."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The platform's RabbitMQ (the same broker as the tasks).",
            },
        },
        "channels": {spec.name: _channel(spec) for _tag, spec in events},
        "operations": {
            spec.name: {
                "action": "send",
                "channel": {"$ref": f"#/channels/{spec.name}"},
                "messages": [{"$ref": f"#/channels/{spec.name}/messages/{spec.name}"}],
                "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION}},
            }
            for _tag, spec in events
        },
        "components": {
            "schemas": schemas,
            "messages": {spec.name: _message(tag, spec, refs) for tag, spec in events},
            "correlationIds": {
                "correlation": {
                    "description": "the caller's correlation id, carried by every task and event",
                    "location": "$message.payload#/correlation_id",
                },
            },
        },
    }
