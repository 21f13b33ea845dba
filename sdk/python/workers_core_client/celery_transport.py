"""``CeleryTransport``: tasks straight onto RabbitMQ (publisher confirms) and results from the result backend.

For Python producers inside the platform. The task goes to the ``workers-core`` topic exchange with the task's
queue as routing key (the queue itself belongs to the platform: it is never declared from here). Headers carry
the correlation id (``x-correlation-id``) and the idempotency key (``x-idempotency-key``); with an idempotency
key the task id is derived from it, so a second send of the same key is the same task (the workers deduplicate
on the task id) and is reported as ``replayed`` when the backend already knows it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeout
from kombu import Exchange, Queue

from workers_core_client.errors import TaskTimeout, Unavailable
from workers_core_client.status import ErrorInfo, Sent, TaskStatus

__all__ = ["TASK_EXCHANGE", "CeleryTransport", "error_of"]

TASK_EXCHANGE = "workers-core"
CORRELATION_HEADER = "x-correlation-id"
IDEMPOTENCY_HEADER = "x-idempotency-key"
_NAMESPACE = uuid.UUID("5b2e9a58-3c8e-4bb6-9a53-6f0f4f6e0c1d")
_KNOWN_STATES = {"PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"}


def error_of(exc: Any) -> ErrorInfo:
    """The structured error of a stored failure (a workers-core error keeps its dict in ``args[0]``)."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], Mapping) and "code" in args[0]:
        data = dict(args[0])
        details = data.get("details") if isinstance(data.get("details"), Mapping) else {}
        extra = {k: v for k, v in data.items() if k not in ("code", "message", "details", "type", "retryable")}
        return ErrorInfo(str(data["code"]), str(data.get("message", "")), {**dict(details or {}), **extra})
    if isinstance(exc, Mapping):  # an undecoded {"exc_type", "exc_message", ...}
        return ErrorInfo("internal_error", f"{exc.get('exc_type')}: {exc.get('exc_message')}")
    return ErrorInfo("internal_error", f"{type(exc).__name__}: {exc}"[:2000])


class CeleryTransport:
    """Publishes with confirms; ``Unavailable`` when the broker or the backend cannot be reached."""

    def __init__(self, broker_url: str, backend_url: str, *, connect_timeout: float = 5.0, poll_interval: float = 0.2):
        self.poll_interval = poll_interval
        self.broker_url = broker_url
        self.app = Celery("workers-core-client", broker=broker_url, backend=backend_url, set_as_current=False)
        self.app.conf.update(
            task_serializer="json",
            result_serializer="json",
            accept_content=["json"],
            result_accept_content=["json"],
            broker_transport_options={"confirm_publish": True},
            broker_connection_timeout=connect_timeout,
            broker_connection_retry=False,
            broker_connection_max_retries=1,
            task_publish_retry=True,
            task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            redis_socket_connect_timeout=connect_timeout,
            redis_socket_timeout=max(connect_timeout, 10.0),
        )
        self._exchange = Exchange(TASK_EXCHANGE, type="topic", durable=True, no_declare=True)

    def _queue(self, name: str) -> Queue:
        return Queue(name, exchange=self._exchange, routing_key=name, no_declare=True)

    def send(
        self,
        name: str,
        queue: str | None,
        payload: Mapping[str, Any],
        *,
        idempotency_key: str | None,
        correlation_id: str | None,
    ) -> Sent:
        correlation_id = correlation_id or uuid.uuid4().hex
        task_id = str(uuid.uuid5(_NAMESPACE, f"{name}\n{idempotency_key}")) if idempotency_key else str(uuid.uuid4())
        if idempotency_key and self._meta(task_id)["status"] != "PENDING":
            return Sent(task_id, name, correlation_id, replayed=True)
        headers = {CORRELATION_HEADER: correlation_id}
        if idempotency_key:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        routing = queue or name.split(".", 1)[0]
        try:
            self.app.send_task(
                name,
                kwargs=dict(payload),
                task_id=task_id,
                queue=self._queue(routing),
                exchange=self._exchange,
                routing_key=routing,
                headers=headers,
            )
        except Exception as exc:
            raise Unavailable(f"broker did not take {name}: {exc!r}", code="broker_unavailable") from exc
        return Sent(task_id, name, correlation_id)

    def _meta(self, task_id: str) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = self.app.backend.get_task_meta(task_id)
        except Exception as exc:
            raise Unavailable(f"result backend unreachable: {exc!r}", code="backend_unavailable") from exc
        return meta

    def status(self, task_id: str, name: str) -> TaskStatus:
        meta = self._meta(task_id)
        state = str(meta.get("status", "PENDING"))
        state = state if state in _KNOWN_STATES else "PENDING"
        result = meta.get("result")
        if state == "SUCCESS":
            return TaskStatus(task_id, name, "SUCCESS", result=result)
        if state in ("FAILURE", "REVOKED"):
            return TaskStatus(task_id, name, state, error=error_of(result))  # type: ignore[arg-type]
        return TaskStatus(task_id, name, state)  # type: ignore[arg-type]

    def wait(self, task_id: str, name: str, timeout: float) -> TaskStatus:
        try:
            self.app.AsyncResult(task_id).get(timeout=timeout, propagate=False, interval=self.poll_interval)
        except CeleryTimeout:
            raise TaskTimeout(f"{name} {task_id}: no result within {timeout}s") from None
        except Exception as exc:
            raise Unavailable(f"result backend unreachable: {exc!r}", code="backend_unavailable") from exc
        return self.status(task_id, name)

    def progress(self, task_id: str, name: str, timeout: float) -> Iterator[TaskStatus]:
        deadline = time.monotonic() + timeout
        last: str | None = None
        while True:
            status = self.status(task_id, name)
            if status.state != last:
                last = status.state
                yield status
            if status.done:
                return
            if time.monotonic() >= deadline:
                raise TaskTimeout(f"{name} {task_id}: no final state within {timeout}s")
            time.sleep(self.poll_interval)

    def close(self) -> None:
        self.app.close()
