"""The registry's own ``/metrics``: roadmap names (steps 309 and 324), per tag, from a fresh snapshot.

==============================================  =========  =============================================
metric                                          type       meaning
==============================================  =========  =============================================
``worker_count{tag}``                           gauge      instances running or idle (0 for expected tags)
``worker_status{tag,instance,status}``          gauge      1 for the instance's current status, else 0
``worker_health_score{tag}``                    gauge      aggregate health score 0-100
``heartbeat_latency_seconds{tag}``              histogram  time the registry took to accept a heartbeat
``failed_health_checks_total{tag}``             counter    ``/metrics`` check runs that failed (after retries)
``task_duration_seconds{tag}``                  gauge      mean task runtime over the last scrape window
``task_success_rate{tag}``                      gauge      succeeded / finished over the last scrape window
``queue_depth{tag}``                            gauge      ready messages in the tag's queue (RabbitMQ)
``worker_memory_usage_bytes{tag}``              gauge      resident memory of the tag's live instances
``worker_cpu_usage{tag}``                       gauge      CPU cores used by the tag's live instances
``registry_job_duration_seconds{job}``          histogram  flush, sweep, healthcheck and queues runs
==============================================  =========  =============================================
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from registry.models import WorkerState
from registry.snapshot import Snapshot

__all__ = ["RegistryMetrics"]

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _SnapshotCollector(Collector):
    def __init__(self, expected_tags: Iterable[str]) -> None:
        self.snapshot: Snapshot | None = None
        self.expected_tags = sorted(set(expected_tags))

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        snap = self.snapshot
        count = GaugeMetricFamily("worker_count", "Worker instances running or idle", labels=["tag"])
        status = GaugeMetricFamily(
            "worker_status",
            "1 for the current status of an instance, 0 otherwise",
            labels=["tag", "instance", "status"],
        )
        score = GaugeMetricFamily("worker_health_score", "Aggregate health score 0-100 of a tag", labels=["tag"])
        duration = GaugeMetricFamily(
            "task_duration_seconds", "Mean task runtime over the last scrape window", labels=["tag"]
        )
        success = GaugeMetricFamily(
            "task_success_rate", "Succeeded / finished tasks over the last scrape window", labels=["tag"]
        )
        depth = GaugeMetricFamily("queue_depth", "Ready messages in the tag's RabbitMQ queue", labels=["tag"])
        memory = GaugeMetricFamily(
            "worker_memory_usage_bytes", "Resident memory of the tag's live instances", labels=["tag"]
        )
        cpu = GaugeMetricFamily("worker_cpu_usage", "CPU cores used by the tag's live instances", labels=["tag"])
        if snap is not None:
            for tag in self.expected_tags:
                if tag not in snap.by_tag:
                    count.add_metric([tag], 0)
            for tag in sorted(snap.by_tag):
                agg = snap.aggregate(tag)
                count.add_metric([tag], agg["alive"])
                score.add_metric([tag], agg["health_score"])
                if agg["task_duration_seconds"] is not None:
                    duration.add_metric([tag], agg["task_duration_seconds"])
                if agg["failure_rate"] is not None:
                    success.add_metric([tag], 1 - agg["failure_rate"])
                if agg["queue_depth"] is not None:
                    depth.add_metric([tag], agg["queue_depth"])
                if agg["memory_bytes"] is not None:
                    memory.add_metric([tag], agg["memory_bytes"])
                if agg["cpu_usage"] is not None:
                    cpu.add_metric([tag], agg["cpu_usage"])
                for m in snap.members(tag):
                    for state in WorkerState:
                        status.add_metric([tag, m.instance_id, state.value], 1 if m.status == state else 0)
        yield from (count, status, score, duration, success, depth, memory, cpu)


class RegistryMetrics:
    """Counters and histograms updated as things happen, gauges computed from a snapshot at scrape time."""

    def __init__(self, expected_tags: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.heartbeat_latency = Histogram(
            "heartbeat_latency_seconds",
            "Time the registry took to accept a heartbeat",
            ["tag"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.failed_health_checks = Counter(
            "failed_health_checks",
            "Health-check runs (scrape of /metrics) that failed after retries",
            ["tag"],
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "registry_job_duration_seconds",
            "Duration of the registry's background job runs",
            ["job"],
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=self.registry,
        )
        self._gauges = _SnapshotCollector(expected_tags)
        self.registry.register(self._gauges)
        self._lock = threading.Lock()

    def render(self, snapshot: Snapshot) -> bytes:
        """Prometheus text exposition of everything, with gauges from ``snapshot``."""
        with self._lock:
            self._gauges.snapshot = snapshot
            try:
                return generate_latest(self.registry)
            finally:
                self._gauges.snapshot = None
