"""``WorkerTask``: the base of every task; maps the error taxonomy to Celery's retry / fail behaviour.

- pydantic ``ValidationError`` -> ``PayloadError``: fails at once with the structured error, never retried;
  the message is dead-lettered (``task_acks_on_failure=False``).
- ``TransientError`` -> ``self.retry(countdown=...)`` with exponential backoff and jitter (or the server's
  Retry-After), via RabbitMQ's delayed delivery, so the worker slot is never blocked by a sleep. Once
  ``max_retries`` is spent the task fails with that error.
- ``PermanentError`` and anything else -> fails at once.
A final failure publishes ``<task name>.failed`` with the structured error.
"""

from __future__ import annotations

from typing import Any

import structlog
from celery import Task
from pydantic import ValidationError

from shared.errors import PayloadError, TransientError, error_dict
from shared.retry import RetryPolicy

__all__ = ["WorkerTask"]

log = structlog.get_logger(__name__)


class WorkerTask(Task):
    """Base task class installed by ``create_app`` (``task_cls``)."""

    retry_policy = RetryPolicy()
    max_retries = 8
    publish_failure_events = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.run(*args, **kwargs)
        except ValidationError as exc:
            raise PayloadError.from_validation_error(exc) from None
        except TransientError as exc:
            if self.request.called_directly:
                raise
            countdown = self.retry_policy.countdown(self.request.retries, exc.retry_after)
            log.warning(
                "transient failure, retrying",
                error=exc.to_dict(),
                retries=self.request.retries,
                countdown=round(countdown, 2),
            )
            raise self.retry(exc=exc, countdown=countdown) from exc

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if not self.publish_failure_events:
            return
        publisher = getattr(self.app.conf, "workers_core_publisher", None)
        if publisher is None:  # a task of a producer-only app
            return
        try:
            publisher.publish(f"{self.name}.failed", {"task_id": task_id}, error=error_dict(exc))
        except Exception as pub_exc:  # noqa: BLE001 - the failure itself is already recorded
            log.error("failure event not published", error=repr(pub_exc))
