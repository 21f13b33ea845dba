"""Dead-lettered tasks get a final state: the worker reads its tag's ``<tag>.dlq.watch`` and records FAILURE.

A task whose pool child dies on every attempt is requeued (``task_reject_on_worker_lost``) until the quorum
queue's ``x-delivery-limit`` dead-letters it; nothing in Celery ever records an outcome, so its state stayed
STARTED forever and a caller polling it waited forever. ``DeadLetterWatcher`` consumes the watch copy of every
dead-lettered message (``celeryconfig.dead_letter_watch_queue``: same binding as ``<tag>.dlq``, which keeps its
copy for inspection and replay) and, for a task whose state is not final yet, stores a FAILURE with a structured
error and publishes ``<task>.failed``:

- ``delivery_limit_exceeded`` when RabbitMQ's ``x-death`` reason is ``delivery_limit`` (or the delivery count
  reached the limit): the task kept killing its worker;
- ``dead_lettered`` for any other reason (``expired``, ``maxlen``, a rejection nobody recorded).

A state that is already final (a task that failed with its own error, then was rejected) is left as it is.
``DeadLetterStep`` runs the watcher in a daemon thread of the worker's parent process.

    WorkerError (shared.errors)
    └── PermanentError
        └── DeadLettered            dead-lettered without a recorded outcome (``details``: reason, queue, count)
            └── DeliveryLimitExceeded   the message reached the queue's delivery limit
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from celery import bootsteps, states
from kombu import Connection, Consumer
from kombu.mixins import ConsumerMixin
from kombu.transport.base import Message

from celeryconfig import QUEUES, dead_letter_watch_queue
from shared.errors import PermanentError

__all__ = ["DeadLetterStep", "DeadLetterWatcher", "DeadLettered", "DeliveryLimitExceeded", "dead_letter_error"]

log = structlog.get_logger(__name__)


class DeadLettered(PermanentError):
    """The task's message was dead-lettered and no outcome had been recorded for it."""

    code = "dead_lettered"


class DeliveryLimitExceeded(DeadLettered):
    """The task's message reached the quorum queue's delivery limit (every attempt lost its worker)."""

    code = "delivery_limit_exceeded"


def dead_letter_error(headers: Mapping[str, Any], delivery_limit: int) -> DeadLettered:
    """The structured error of a dead-lettered message, from its ``x-death`` and delivery count headers."""
    deaths = headers.get("x-death") or [{}]
    death = dict(deaths[0])  # the most recent first
    reason = str(death.get("reason", "unknown"))
    count = headers.get("x-delivery-count")
    details = {"reason": reason, "queue": death.get("queue"), "delivery_count": count, "delivery_limit": delivery_limit}
    at_limit = reason == "delivery_limit" or (isinstance(count, int) and count >= delivery_limit)
    if at_limit:
        return DeliveryLimitExceeded(
            f"dead-lettered after {delivery_limit} deliveries: every attempt lost its worker", details=details
        )
    return DeadLettered(f"dead-lettered ({reason}) without a recorded outcome", details=details)


class DeadLetterWatcher(ConsumerMixin):
    """Consumes ``<tag>.dlq.watch`` and closes the state of each dead-lettered task that is still open."""

    def __init__(
        self,
        broker_url: str,
        tag: str,
        backend: Any,
        *,
        on_failure: Callable[[str, str, DeadLettered], None] | None = None,
    ):
        self.connection = Connection(broker_url, heartbeat=30)
        self.spec = QUEUES[tag]
        self.backend = backend
        self.on_failure = on_failure

    def get_consumers(self, consumer_cls: Callable[..., Consumer], channel: Any) -> list[Consumer]:
        queue = dead_letter_watch_queue(self.spec)
        return [consumer_cls(queues=[queue], on_message=self.handle, prefetch_count=16, accept=["json"])]

    def handle(self, message: Message) -> None:
        """Record the failure (if the task has no final state), then ack; a store error requeues."""
        headers = dict(message.headers or {})
        task_id, task_name = headers.get("id"), str(headers.get("task") or "")
        try:
            if task_id and self.backend.get_state(task_id) not in states.READY_STATES:
                error = dead_letter_error(headers, self.spec.delivery_limit)
                self.backend.mark_as_failure(task_id, error, call_errbacks=False)
                log.error(
                    "dead-lettered task closed as failed", task_id=task_id, task_name=task_name, **error.to_dict()
                )
                if self.on_failure is not None:
                    self.on_failure(task_id, task_name, error)
        except Exception as exc:  # noqa: BLE001 - the backend away: try again later, keep consuming
            log.warning("dead letter not processed; requeued", task_id=task_id, error=repr(exc))
            time.sleep(1.0)
            message.requeue()
            return
        message.ack()


class DeadLetterStep(bootsteps.StartStopStep):
    """Runs the tag's ``DeadLetterWatcher`` in a daemon thread of the worker's parent."""

    label = "workers-core dead letters"
    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.watcher: DeadLetterWatcher | None = None
        self.thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        app = worker.app
        publisher = app.conf.workers_core_publisher

        def publish_failed(task_id: str, task_name: str, error: DeadLettered) -> None:
            try:
                publisher.publish(f"{task_name}.failed", {"task_id": task_id}, error=error.to_dict())
            except Exception as exc:  # noqa: BLE001 - the state is recorded; the event is best effort here
                log.warning("failure event of a dead-lettered task not published", task_id=task_id, error=repr(exc))

        settings = app.conf.workers_core_settings
        # a backend instance of its own (``_get_backend``): its Redis connections are not shared with the consumer
        self.watcher = DeadLetterWatcher(
            settings.rmq_url.get_secret_value(),
            app.conf.workers_core_tag,
            app._get_backend(),
            on_failure=publish_failed,
        )
        self.thread = threading.Thread(target=self.watcher.run, name="workers-core-dead-letters", daemon=True)
        self.thread.start()

    def stop(self, worker: Any) -> None:
        if self.watcher is not None:
            self.watcher.should_stop = True
        if self.thread is not None:
            self.thread.join(5)
            self.thread = None

    def shutdown(self, worker: Any) -> None:
        self.stop(worker)
