"""Correlation id: carried in the ``x-correlation-id`` task header from caller to every log line and event."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

__all__ = ["CORRELATION_HEADER", "current_correlation_id", "new_correlation_id", "set_correlation_id"]

#: Task header name. (Celery reserves the AMQP ``correlation_id`` property for the task id.)
CORRELATION_HEADER = "x-correlation-id"

_correlation_id: ContextVar[str | None] = ContextVar("workers_core_correlation_id", default=None)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)


def new_correlation_id() -> str:
    return uuid.uuid4().hex
