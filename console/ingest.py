"""``workers-core console ingest``: Celery task events from RabbitMQ into PostgreSQL, in batches.

Events are read from a durable queue of the console (``workers-core.console.events``) bound to Celery's event
exchange (``celeryev``, routing key ``task.#``): unlike an auto-delete event receiver (Flower's), nothing is
lost while the consumer restarts. The queue is bounded (``x-max-length``, oldest dropped) so a console that is
down for long cannot fill the broker. Messages are acknowledged only after their batch is committed
(at least once; the per-task upsert is idempotent, a redelivered event may repeat in the timeline).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

import structlog
from kombu import Connection, Exchange, Queue

from console.events import EventRow, TaskSummary, merge, normalize
from console.history import HistoryStore

__all__ = ["EVENTS_QUEUE", "EventIngester", "events_queue"]

log = structlog.get_logger(__name__)

EVENTS_QUEUE: Final = "workers-core.console.events"
_MAX_QUEUE_LENGTH: Final = 2_000_000


def events_queue() -> Queue:
    return Queue(
        EVENTS_QUEUE,
        exchange=Exchange("celeryev", type="topic", durable=True),
        routing_key="task.#",
        durable=True,
        queue_arguments={"x-max-length": _MAX_QUEUE_LENGTH, "x-overflow": "drop-head"},
    )


class EventIngester:
    """Buffers normalized events and writes them when the batch is full or ``flush_seconds`` passed."""

    def __init__(
        self,
        store: HistoryStore,
        *,
        batch: int = 500,
        flush_seconds: float = 0.5,
        retention: timedelta | None = None,
        prune_interval: float = 600.0,
    ) -> None:
        self.store = store
        self.batch = batch
        self.flush_seconds = flush_seconds
        self.retention = retention
        self.prune_interval = prune_interval
        self.rows: list[EventRow] = []
        self.summaries: dict[str, TaskSummary] = {}
        self.written = 0
        self._last_flush = time.monotonic()
        self._last_prune = 0.0

    def add(self, event: dict[str, Any]) -> None:
        normalized = normalize(event)
        if normalized is None:
            return
        row, fields = normalized
        self.rows.append(row)
        merge(self.summaries, row, fields)

    @property
    def due(self) -> bool:
        return len(self.rows) >= self.batch or (
            bool(self.rows) and time.monotonic() - self._last_flush >= self.flush_seconds
        )

    def flush(self) -> int:
        count = len(self.rows)
        if count:
            self.store.write(self.rows, self.summaries.values())
            self.written += count
        self.rows, self.summaries = [], {}
        self._last_flush = time.monotonic()
        return count

    def maybe_prune(self) -> None:
        if self.retention is None or time.monotonic() - self._last_prune < self.prune_interval:
            return
        self._last_prune = time.monotonic()
        events, tasks = self.store.prune(self.retention)
        if events or tasks:
            log.info("task history pruned", events=events, tasks=tasks)

    def consume(self, broker_url: str, *, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Consume until ``should_stop()``; acknowledges each batch once it is committed."""
        pending: list[Any] = []

        def on_message(body: Any, message: Any) -> None:
            for event in body if isinstance(body, list) else [body]:
                if isinstance(event, dict):
                    self.add(event)
            pending.append(message)

        with Connection(broker_url, heartbeat=30) as conn:
            consumer = conn.Consumer(events_queue(), callbacks=[on_message], accept=["json"])
            consumer.qos(prefetch_count=max(self.batch * 2, 100))
            with consumer:
                log.info("console ingest consuming", queue=EVENTS_QUEUE)
                while not should_stop():
                    try:
                        conn.drain_events(timeout=self.flush_seconds)
                    except TimeoutError:
                        conn.heartbeat_check()
                    if self.due or (pending and not self.rows):
                        self.flush()
                        if pending:
                            pending[-1].channel.basic_ack(pending[-1].delivery_tag, multiple=True)
                            pending.clear()
                    self.maybe_prune()
                self.flush()
                if pending:
                    pending[-1].channel.basic_ack(pending[-1].delivery_tag, multiple=True)
