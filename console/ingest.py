"""``workers-core console ingest``: Celery task events from RabbitMQ into PostgreSQL, in batches.

Events are read from a durable queue of the console (``workers-core.console.events``) bound to Celery's event
exchange (``celeryev``, routing key ``task.#``): unlike an auto-delete event receiver (Flower's), nothing is
lost while the consumer restarts. The queue is bounded (``x-max-length``, oldest dropped) so a console that is
down for long cannot fill the broker. Messages are acknowledged only after their batch is committed
(at least once; the per-task upsert is idempotent, a redelivered event may repeat in the timeline).
"""

from __future__ import annotations

import json
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
        self.write_seconds = 0.0
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
            started = time.perf_counter()
            self.store.write(self.rows, self.summaries.values())
            self.write_seconds += time.perf_counter() - started
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
        """Consume until ``should_stop()``; acknowledges each batch once it is committed.

        The raw AMQP channel is used (no kombu ``Message`` per event): at thousands of events per second the
        per-message overhead is what limits the rate.
        """
        last_tag: list[int] = []

        def on_message(message: Any) -> None:
            body = json.loads(message.body)
            for event in body if isinstance(body, list) else [body]:
                if isinstance(event, dict):
                    self.add(event)
            last_tag[:] = [message.delivery_tag]

        with Connection(broker_url, heartbeat=30) as conn:
            events_queue()(conn.default_channel).declare()
            channel = conn.connection.channel()
            channel.basic_qos(0, max(self.batch * 2, 100), False)
            channel.basic_consume(EVENTS_QUEUE, callback=on_message)
            log.info("console ingest consuming", queue=EVENTS_QUEUE)
            while not should_stop():
                try:
                    conn.connection.drain_events(timeout=self.flush_seconds)
                except TimeoutError:
                    conn.heartbeat_check()
                if self.due or (last_tag and not self.rows):
                    self._commit(channel, last_tag)
                self.maybe_prune()
            self._commit(channel, last_tag)

    def _commit(self, channel: Any, last_tag: list[int]) -> None:
        self.flush()
        if last_tag:
            channel.basic_ack(last_tag[0], multiple=True)
            last_tag.clear()
