"""Prometheus metrics with celery-exporter names, correct under the prefork pool (multiprocess mode).

Counters and histograms are written by the pool children into ``PROMETHEUS_MULTIPROC_DIR`` (set by
``shared/__init__``) and served by the parent's health app through ``MultiProcessCollector``. Queue depth
is read from the broker at scrape time (cached) by ``QueueStatsCollector``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = [
    "TASK_FAILED",
    "TASK_RECEIVED",
    "TASK_RETRIED",
    "TASK_RUNTIME",
    "TASK_STARTED",
    "TASK_SUCCEEDED",
    "QueueStatsCollector",
    "build_registry",
    "clean_dead_process_files",
]

_TASK_LABELS = ("name", "hostname", "queue_name")
RUNTIME_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

TASK_SENT = Counter("celery_task_sent_total", "Tasks published by this process", ("name", "queue_name"))
TASK_RECEIVED = Counter("celery_task_received_total", "Tasks received by the worker", _TASK_LABELS)
TASK_STARTED = Counter("celery_task_started_total", "Tasks started", _TASK_LABELS)
TASK_SUCCEEDED = Counter("celery_task_succeeded_total", "Tasks that succeeded", _TASK_LABELS)
TASK_FAILED = Counter("celery_task_failed_total", "Tasks that failed for good", (*_TASK_LABELS, "exception"))
TASK_RETRIED = Counter("celery_task_retried_total", "Tasks scheduled for a retry", _TASK_LABELS)
TASK_REJECTED = Counter("celery_task_rejected_total", "Tasks rejected (unknown, undecodable)", _TASK_LABELS)
TASK_REVOKED = Counter("celery_task_revoked_total", "Tasks revoked", _TASK_LABELS)
TASK_RUNTIME = Histogram("celery_task_runtime_seconds", "Task runtime", _TASK_LABELS, buckets=RUNTIME_BUCKETS)
WORKER_UP = Gauge(
    "celery_worker_up", "1 while the worker consumes", ("hostname", "queue_name"), multiprocess_mode="max"
)
TASKS_ACTIVE = Gauge(
    "celery_worker_tasks_active", "Tasks executing now", ("hostname", "queue_name"), multiprocess_mode="livesum"
)
LAST_TASK_TIME = Gauge(
    "workers_core_last_task_timestamp_seconds",
    "Unix time of the last finished task",
    ("queue_name",),
    multiprocess_mode="max",
)
EVENTS_PUBLISHED = Counter("workers_core_events_published_total", "Domain events published", ("event",))


def build_registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """A registry that merges every process' samples plus the parent-only collectors given."""
    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry)
    for collector in extra:
        registry.register(collector)
    return registry


def clean_dead_process_files(directory: str | None = None) -> int:
    """Remove sample files of processes that no longer exist (left by a previous run); returns the count."""
    directory = directory or os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return 0
    removed = 0
    for path in Path(directory).glob("*.db"):
        pid_part = path.stem.rsplit("_", 1)[-1]
        if pid_part.isdigit() and not _alive(int(pid_part)):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class QueueStatsCollector(Collector):
    """``celery_queue_length`` and ``celery_active_consumer_count`` read from the broker, cached."""

    def __init__(self, stats: Callable[[], dict[str, tuple[int, int]]], *, ttl: float = 10.0):
        self._stats = stats
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, tuple[int, int]]] = (0.0, {})

    def snapshot(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            at, value = self._cached
            if time.monotonic() - at < self._ttl:
                return value
            try:
                value = self._stats()
            except Exception:  # noqa: BLE001 - a scrape must not fail because the broker is away
                value = {}
            self._cached = (time.monotonic(), value)
            return value

    def collect(self) -> Iterable[Metric]:
        stats = self.snapshot()
        length = GaugeMetricFamily("celery_queue_length", "Messages ready in the queue", labels=["queue_name"])
        consumers = GaugeMetricFamily("celery_active_consumer_count", "Consumers on the queue", labels=["queue_name"])
        for queue, (messages, n_consumers) in sorted(stats.items()):
            length.add_metric([queue], messages)
            consumers.add_metric([queue], n_consumers)
        yield length
        yield consumers

    def describe(self) -> Iterable[Metric]:
        return []


def label_values(task: Any) -> tuple[str, str, str]:
    """(name, hostname, queue_name) of a running Celery task."""
    request = task.request
    delivery = getattr(request, "delivery_info", None) or {}
    queue = delivery.get("routing_key") or getattr(task.app.conf, "task_default_queue", "") or ""
    return task.name, request.hostname or "", queue
