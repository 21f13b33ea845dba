"""Cross-cutting behaviour wired once to Celery signals: log context, correlation ids, metrics, spans."""

from __future__ import annotations

import os
import time
from typing import Any

import structlog
from celery import signals
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared import metrics as m
from shared.context import CORRELATION_HEADER, current_correlation_id, new_correlation_id, set_correlation_id
from shared.resources import close_all
from shared.telemetry import tracer, tracing_enabled

__all__ = ["connect_signals"]

log = structlog.get_logger(__name__)
_started: dict[str, tuple[float, Any, Any]] = {}
_connected = False


def _correlation_of(task: Any) -> str:
    request = task.request
    value = getattr(request, CORRELATION_HEADER, None)
    if not value:
        headers = getattr(request, "headers", None) or {}
        value = headers.get(CORRELATION_HEADER)
    return str(value or request.root_id or request.id)


def _before_publish(
    sender: str | None = None, headers: dict[str, Any] | None = None, routing_key: str = "", **_: Any
) -> None:
    """Every task published from our processes carries the current correlation id (or a new one)."""
    if headers is None:
        return
    if not headers.get(CORRELATION_HEADER):
        headers[CORRELATION_HEADER] = current_correlation_id() or new_correlation_id()
    headers.setdefault("x-sent-at", time.time())  # age of the oldest message on the console's queues page
    if sender:
        m.TASK_SENT.labels(name=sender, queue_name=routing_key).inc()


def _prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    name, hostname, queue = m.label_values(task)
    correlation_id = _correlation_of(task)
    set_correlation_id(correlation_id)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        task_id=task_id, task_name=name, queue=queue, correlation_id=correlation_id, retries=task.request.retries
    )
    span = None
    if tracing_enabled():
        span = _start_span(task_id, name, queue, correlation_id)
    _started[task_id] = (time.perf_counter(), span, (name, hostname, queue))
    m.TASK_STARTED.labels(name, hostname, queue).inc()
    m.TASKS_ACTIVE.labels(hostname, queue).inc()


def _start_span(task_id: str, name: str, queue: str, correlation_id: str) -> Any:
    """A CONSUMER span with the messaging semantic conventions; its trace id is bound into the logs."""
    span = tracer().start_span(
        f"process {queue}",
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.name": "process",
            "messaging.operation.type": "process",
            "messaging.destination.name": queue,
            "messaging.rabbitmq.destination.routing_key": queue,
            "messaging.message.id": task_id,
            "messaging.message.conversation_id": correlation_id,
            "celery.task_name": name,
        },
    )
    ctx = span.get_span_context()
    if ctx.is_valid:
        structlog.contextvars.bind_contextvars(trace_id=format(ctx.trace_id, "032x"))
    return span


def _postrun(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        t0, span, labels = started
        m.TASK_RUNTIME.labels(*labels).observe(time.perf_counter() - t0)
        m.TASKS_ACTIVE.labels(labels[1], labels[2]).dec()
        m.LAST_TASK_TIME.labels(labels[2]).set(time.time())
        if span is not None:
            if state and state not in ("SUCCESS", "RETRY"):
                span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("celery.state", state or "")
            span.end()
    structlog.contextvars.clear_contextvars()
    set_correlation_id(None)


def _success(sender: Any = None, **_: Any) -> None:
    m.TASK_SUCCEEDED.labels(*m.label_values(sender)).inc()


def _failure(sender: Any = None, exception: BaseException | None = None, **_: Any) -> None:
    exc_name = type(exception).__name__ if exception is not None else "unknown"
    m.TASK_FAILED.labels(*m.label_values(sender), exc_name).inc()
    started = _started.get(getattr(sender.request, "id", ""), None)
    if started is not None and started[1] is not None and exception is not None:
        started[1].record_exception(exception)


def _retry(sender: Any = None, **_: Any) -> None:
    m.TASK_RETRIED.labels(*m.label_values(sender)).inc()


#: message headers a task's context is read from (the operations console indexes them)
_CONTEXT_HEADERS = {
    "correlation_id": (CORRELATION_HEADER,),
    "tenant": ("x-tenant-id", "x-tenant"),
    "idempotency_key": ("x-idempotency-key", "idempotency-key"),
}


def _received(request: Any = None, **_: Any) -> None:
    delivery = getattr(request, "delivery_info", None) or {}
    m.TASK_RECEIVED.labels(request.name, request.hostname or "", delivery.get("routing_key") or "").inc()
    _send_context(request, delivery.get("routing_key"))


def _send_context(request: Any, queue: str | None) -> None:
    """A ``task-context`` task event (when task events are on): the headers Celery's own events leave out."""
    send = getattr(request, "send_event", None)
    if send is None:
        return
    headers = getattr(request, "request_dict", None) or {}
    found = {
        field: next((str(headers[name]) for name in names if headers.get(name)), None)
        for field, names in _CONTEXT_HEADERS.items()
    }
    try:
        send("task-context", queue=queue, **{k: v for k, v in found.items() if v})
    except Exception as exc:  # noqa: BLE001 - an event lost must never fail the task
        log.warning("task-context event not sent", error=repr(exc))


def _rejected(message: Any = None, exc: BaseException | None = None, **_: Any) -> None:
    delivery = getattr(message, "delivery_info", None) or {}
    headers = getattr(message, "headers", None) or {}
    m.TASK_REJECTED.labels(headers.get("task", "unknown"), "", delivery.get("routing_key") or "").inc()


def _revoked(request: Any = None, **_: Any) -> None:
    delivery = getattr(request, "delivery_info", None) or {}
    m.TASK_REVOKED.labels(request.name, request.hostname or "", delivery.get("routing_key") or "").inc()


def _process_shutdown(**_: Any) -> None:
    close_all()
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(os.getpid())


def connect_signals() -> None:
    """Connect the handlers once per process (idempotent)."""
    global _connected
    if _connected:
        return
    signals.before_task_publish.connect(_before_publish, weak=False, dispatch_uid="wc_before_publish")
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="wc_prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="wc_postrun")
    signals.task_success.connect(_success, weak=False, dispatch_uid="wc_success")
    signals.task_failure.connect(_failure, weak=False, dispatch_uid="wc_failure")
    signals.task_retry.connect(_retry, weak=False, dispatch_uid="wc_retry")
    signals.task_received.connect(_received, weak=False, dispatch_uid="wc_received")
    signals.task_rejected.connect(_rejected, weak=False, dispatch_uid="wc_rejected")
    signals.task_revoked.connect(_revoked, weak=False, dispatch_uid="wc_revoked")
    signals.worker_process_shutdown.connect(_process_shutdown, weak=False, dispatch_uid="wc_proc_shutdown")
    _connected = True


def current_span() -> trace.Span:
    return trace.get_current_span()
