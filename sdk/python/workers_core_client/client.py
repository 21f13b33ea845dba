"""``Client``: send a task, wait for its typed result, read its status, over Celery or over the gateway.

    client = Client(HttpTransport("https://gateway.example", token))       # or CeleryTransport(broker, backend)
    handle = client.send(EFACTURA_SUBMIT, EfacturaSubmitPayload(...), idempotency_key="inv-42")
    result = client.wait(handle, timeout=120)                               # EfacturaSubmitResult

The payload is validated against the task's generated model before anything is sent (``InvalidPayload``);
a failed task raises ``TaskFailed(code, message, details)`` from ``wait`` whichever transport carried it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from pydantic import BaseModel, ValidationError

from workers_core_client.catalog import TASKS, TASKS_BY_PAYLOAD
from workers_core_client.errors import InvalidPayload, TaskFailed, WorkersCoreError
from workers_core_client.status import TaskHandle, TaskStatus
from workers_core_client.tasktype import PayloadT, ResultT, TaskType
from workers_core_client.transport import Transport

if TYPE_CHECKING:
    from workers_core_client.events import Subscription

__all__ = ["Client", "prepare_payload"]


def prepare_payload(task: TaskType[Any, Any] | None, payload: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON payload to send, validated against the task's model when the catalog knows the task."""
    if isinstance(payload, BaseModel):
        data: dict[str, Any] = payload.model_dump(mode="json", by_alias=True, exclude_unset=True)
    else:
        data = dict(payload)
    if task is not None:
        try:
            task.payload.model_validate(data)
        except ValidationError as exc:
            errors = [
                {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_input=False)
            ]
            raise InvalidPayload(
                f"{task.name}: payload does not match its schema", details={"errors": errors}
            ) from None
    return data


def _raise_for(status: TaskStatus) -> None:
    if status.state == "FAILURE":
        error = status.error
        if error is None:
            raise TaskFailed("task_failed", f"{status.name} {status.task_id} failed")
        raise TaskFailed(error.code, error.message, error.details)
    if status.state == "REVOKED":
        raise TaskFailed("revoked", f"{status.name} {status.task_id} was revoked")


class Client:
    """The same calls and errors over any ``Transport``."""

    def __init__(self, transport: Transport):
        self.transport = transport

    @overload
    def send(
        self,
        task: TaskType[PayloadT, ResultT],
        payload: PayloadT | Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> TaskHandle[ResultT]: ...

    @overload
    def send(
        self,
        task: str,
        payload: BaseModel | Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> TaskHandle[Any]: ...

    @overload
    def send(
        self,
        task: BaseModel,
        payload: None = None,
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> TaskHandle[Any]: ...

    def send(
        self,
        task: TaskType[Any, Any] | str | BaseModel,
        payload: BaseModel | Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> TaskHandle[Any]:
        """Send ``task`` (a ``TaskType``, a task name, or a payload model whose task is known) with ``payload``."""
        kind: TaskType[Any, Any] | None
        if isinstance(task, BaseModel):
            kind, payload = TASKS_BY_PAYLOAD.get(type(task)), task
            if kind is None:
                raise WorkersCoreError(f"{type(task).__name__} is not the payload model of a known task")
        elif isinstance(task, str):
            kind = TASKS.get(task)
        else:
            kind = task
        name = kind.name if kind is not None else str(task)
        data = prepare_payload(kind, payload if payload is not None else {})
        sent = self.transport.send(
            name, kind.queue if kind else None, data, idempotency_key=idempotency_key, correlation_id=correlation_id
        )
        return TaskHandle(sent, kind)

    def status(self, handle: TaskHandle[Any]) -> TaskStatus:
        return self.transport.status(handle.task_id, handle.name)

    def wait(self, handle: TaskHandle[ResultT], timeout: float = 60.0) -> ResultT:
        """The task's result (its model when known); ``TaskFailed`` / ``TaskTimeout`` otherwise."""
        status = self.transport.wait(handle.task_id, handle.name, timeout)
        _raise_for(status)
        if handle.task is None:
            out: Any = status.result
            return out  # type: ignore[no-any-return]
        return handle.task.parse_result(status.result)

    def progress(self, handle: TaskHandle[Any], timeout: float = 60.0) -> Iterator[TaskStatus]:
        """Each state the task goes through, the final one last (SSE over the gateway, polling over Celery)."""
        return self.transport.progress(handle.task_id, handle.name, timeout)

    def subscribe(
        self, patterns: Sequence[str], *, broker_url: str | None = None, queue: str | None = None
    ) -> Subscription:
        """Typed events over AMQP (``events.subscribe``); the broker of a ``CeleryTransport`` unless given."""
        from workers_core_client.events import subscribe  # kombu: the ``celery`` extra

        url = broker_url or getattr(self.transport, "broker_url", None)
        if not url:
            raise WorkersCoreError("events are read from the broker: pass broker_url=", code="no_broker_url")
        return subscribe(url, patterns, queue=queue)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
