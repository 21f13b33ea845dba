"""The one place queues are named: queue map, task routes and the reliability defaults of every worker.

Every worker tag owns exactly one quorum queue of the same name, bound to the topic exchange
``workers-core`` with the queue name as routing key, and one dead-letter queue ``<queue>.dlq`` bound to
the direct exchange ``workers-core.dlx``. Tasks are routed by name (see ``TASK_ROUTE_PREFIXES``), so
producers only need ``send_task("<task name>", kwargs=...)``.

Reliability choices (ARCHITECTURE.md, ANCHORS.md §1):
- ``task_acks_late`` + ``task_reject_on_worker_lost``: a worker killed mid-task leaves the message
  unacknowledged, RabbitMQ redelivers it. Quorum ``x-delivery-limit`` bounds poison-message loops by
  dead-lettering a message that keeps killing workers.
- ``task_acks_on_failure=False``: a task that fails for good is rejected without requeue, so RabbitMQ
  dead-letters it into ``<queue>.dlq`` for inspection and replay.
- Publisher confirms (quorum queues need them), prefetch 1 (more only for millisecond tasks), JSON only,
  results expire after 24 h and never copy the task's arguments (``result_extended`` off: personal data).
- Hard time limits stay below RabbitMQ's ``consumer_timeout`` (30 min by default) so a long task is
  killed by Celery, never by the broker closing the channel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kombu import Exchange, Queue

#: RabbitMQ's default ``consumer_timeout`` (ms). Every hard time limit must stay below it.
RABBITMQ_CONSUMER_TIMEOUT_S = 1800

TASK_EXCHANGE = Exchange("workers-core", type="topic", durable=True)
DEAD_LETTER_EXCHANGE = Exchange("workers-core.dlx", type="direct", durable=True)
EVENTS_EXCHANGE_NAME = "workers-core.events"


@dataclass(frozen=True)
class QueueSpec:
    """A worker tag: its queue, Python package, task name prefixes, limits and default health port."""

    tag: str
    package: str
    prefixes: tuple[str, ...]
    soft_time_limit: int
    time_limit: int
    health_port: int
    delivery_limit: int = 5
    #: default pool and concurrency of ``workers-core worker <tag>`` (None = prefork, one per CPU)
    pool: str = "prefork"
    concurrency: int | None = None
    #: messages a worker process holds ahead (x concurrency); 1 for long tasks, more for millisecond ones
    prefetch: int = 1

    @property
    def dlq(self) -> str:
        return f"{self.tag}.dlq"

    @property
    def dlq_watch(self) -> str:
        """A second queue on the DLQ's binding: the workers read it to close dead-lettered tasks' states."""
        return f"{self.tag}.dlq.watch"

    @property
    def ping_task(self) -> str:
        return f"{self.tag}.ping"


QUEUES: dict[str, QueueSpec] = {
    spec.tag: spec
    for spec in (
        QueueSpec("ocr", "ocr", ("ocr.",), 280, 300, 9801),
        QueueSpec("pdf.render", "pdf_render", ("pdf.",), 110, 120, 9802),
        # millisecond tasks: prefetching hides the broker round trip (redelivery stays safe: idempotency keys)
        QueueSpec("email.send", "email_send", ("email.",), 110, 120, 9803, prefetch=8),
        QueueSpec("notify.slack", "notify_slack", ("notify.slack", "slack."), 50, 60, 9804, prefetch=4),
        # I/O-bound: single-CUI tasks wait for a shared batch call (1 req/s cluster-wide), so many threads
        QueueSpec(
            "anaf.taxpayer",
            "anaf_taxpayer",
            ("anaf.taxpayer.", "taxpayer."),
            110,
            120,
            9805,
            pool="threads",
            concurrency=200,
        ),
        QueueSpec("anaf.efactura", "anaf_efactura", ("anaf.efactura.", "efactura."), 280, 300, 9806),
        QueueSpec("anaf.etransport", "anaf_etransport", ("anaf.etransport.", "etransport."), 280, 300, 9807),
        QueueSpec("anaf.saft", "anaf_saft", ("anaf.saft.", "saft."), 1500, 1620, 9808),
        QueueSpec("reges", "reges", ("reges.",), 280, 300, 9809),
        # orchestration: each look is a few milliseconds of database and result-backend reads
        QueueSpec("flows", "flows", ("flow.",), 50, 60, 9810, prefetch=4),
    )
}

assert all(spec.time_limit < RABBITMQ_CONSUMER_TIMEOUT_S for spec in QUEUES.values())


def route_for(task_name: str) -> str | None:
    """Queue a task name is routed to: exact ``<tag>.ping`` first, then the longest matching prefix."""
    for spec in QUEUES.values():
        if task_name == spec.ping_task or task_name == spec.tag:
            return spec.tag
    best: tuple[int, str] | None = None
    for spec in QUEUES.values():
        for prefix in spec.prefixes:
            if task_name.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), spec.tag)
    return best[1] if best else None


def _router(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict[str, Any] | None:
    queue = route_for(name)
    if queue is None:
        return None
    return {"queue": queue, "exchange": TASK_EXCHANGE.name, "routing_key": queue}


def task_queue(spec: QueueSpec) -> Queue:
    """The durable quorum queue of a tag, dead-lettering into ``<tag>.dlq``."""
    return Queue(
        spec.tag,
        exchange=TASK_EXCHANGE,
        routing_key=spec.tag,
        durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": spec.dlq,
            "x-delivery-limit": spec.delivery_limit,
        },
    )


def dead_letter_queue(spec: QueueSpec) -> Queue:
    return Queue(
        spec.dlq,
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=spec.dlq,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def dead_letter_watch_queue(spec: QueueSpec) -> Queue:
    """A copy of everything dead-lettered into ``<tag>.dlq`` (same exchange and key), consumed by the tag's workers.

    ``<tag>.dlq`` itself is left alone for inspection and replay; the watch copy lets a worker record a final
    FAILURE for a task that died at the delivery limit (its state would stay STARTED) and is then acked. A week's
    TTL bounds it when no worker of the tag runs.
    """
    return Queue(
        spec.dlq_watch,
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=spec.dlq,
        durable=True,
        queue_arguments={"x-queue-type": "quorum", "x-message-ttl": 7 * 24 * 3600 * 1000},
    )


# --- Celery settings (lowercase, read with app.config_from_object("celeryconfig")) ---------------------
broker_url = os.environ.get("RMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
result_backend = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

task_queues = tuple(task_queue(spec) for spec in QUEUES.values())
task_routes = (_router,)
task_default_exchange = TASK_EXCHANGE.name
task_default_exchange_type = "topic"
task_create_missing_queues = False
task_default_queue_type = "quorum"

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
result_accept_content = ["json"]

task_acks_late = True
task_reject_on_worker_lost = True
task_acks_on_failure = False
task_acks_on_timeout = False
task_track_started = True
# Task events (sent/received/started/retried/succeeded/failed/revoked) feed the operations console's persisted
# task history (``workers-core console ingest``); without a consumer the event exchange simply drops them.
task_send_sent_event = True
worker_prefetch_multiplier = 1
worker_deduplicate_successful_tasks = False
worker_cancel_long_running_tasks_on_connection_loss = True
worker_max_tasks_per_child = 1000
# pool processes build their services (browser, SMTP pool, OCR model, clients) when they start: allow for it
worker_proc_alive_timeout = 60.0
worker_max_memory_per_child = 1_500_000  # KiB
worker_hijack_root_logger = False
worker_soft_shutdown_timeout = 30.0
worker_enable_soft_shutdown_on_idle = True

# Defaults; shared.celery_app.create_app(tag) sets the limits of the tag's QueueSpec on its worker.
task_soft_time_limit = 270
task_time_limit = 300

broker_transport_options = {"confirm_publish": True}
broker_connection_retry_on_startup = True
broker_heartbeat = 60
broker_pool_limit = 10
task_publish_retry = True
task_publish_retry_policy = {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 3}

result_expires = 24 * 3600
# Off: extended results would copy every task's kwargs (e-mail bodies, invoices, employee records) into Redis.
result_extended = False
result_backend_transport_options = {"retry_policy": {"timeout": 5.0}}
redis_socket_timeout = 10
redis_socket_connect_timeout = 5
redis_retry_on_timeout = True

# an undecodable message is dead-lettered (rejected without requeue), not acked away as Celery's consumer does
worker_consumer = "shared.consumer:DeadLetteringConsumer"
worker_send_task_events = True
# the console's pool restart (remote control pool_restart: new child processes, same code)
worker_pool_restarts = True
enable_utc = True
timezone = "UTC"
