"""What the client needs from a transport: send a task, read its status, wait for it, follow its progress."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from workers_core_client.status import Sent, TaskStatus

__all__ = ["Transport"]


class Transport(Protocol):
    """``CeleryTransport`` (AMQP + result backend) or ``HttpTransport`` (the task gateway)."""

    def send(
        self,
        name: str,
        queue: str | None,
        payload: Mapping[str, Any],
        *,
        idempotency_key: str | None,
        correlation_id: str | None,
    ) -> Sent: ...

    def status(self, task_id: str, name: str) -> TaskStatus: ...

    def wait(self, task_id: str, name: str, timeout: float) -> TaskStatus:
        """The task's final status; ``TaskTimeout`` when it has none within ``timeout`` seconds."""
        ...

    def progress(self, task_id: str, name: str, timeout: float) -> Iterator[TaskStatus]:
        """Every state change until (and including) the final one; ``TaskTimeout`` past ``timeout``."""
        ...

    def close(self) -> None: ...
