"""OpenTelemetry: a tracer for task spans (messaging semantic conventions) and a meter whose readings are
exported through the Prometheus exporter into the worker's ``/metrics``.

The meter lives in the worker's parent process (health probes and deep checks); task counters live in
``shared.metrics`` because OpenTelemetry's Prometheus reader cannot merge prefork children.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

__all__ = ["Telemetry", "tracer"]

_tracer_provider: TracerProvider | None = None


def _resource(tag: str, version: str, instance: str) -> Resource:
    return Resource.create(
        {"service.name": f"workers-core-{tag}", "service.version": version, "service.instance.id": instance}
    )


def configure_tracing(tag: str, version: str, instance: str) -> None:
    """Install the SDK tracer provider (per process); spans go to OTLP when an exporter is configured."""
    global _tracer_provider
    provider = TracerProvider(resource=_resource(tag, version, instance))
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if endpoint:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # type: ignore
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        except ImportError:
            pass
    _tracer_provider = provider


def tracer() -> trace.Tracer:
    if _tracer_provider is None:
        return trace.get_tracer("workers-core")
    return _tracer_provider.get_tracer("workers-core")


class Telemetry:
    """The parent process' meter: probe outcomes and durations, exported via the Prometheus reader."""

    def __init__(self, tag: str, version: str, instance: str):
        self.reader = PrometheusMetricReader()
        self.provider = MeterProvider(resource=_resource(tag, version, instance), metric_readers=[self.reader])
        meter = self.provider.get_meter("workers_core.health")
        self._checks = meter.create_counter(
            "workers_core_health_checks", unit="1", description="Health checks run, by kind, check and outcome"
        )
        self._duration = meter.create_histogram(
            "workers_core_health_check_duration", unit="s", description="Health check duration"
        )

    def record_check(self, kind: str, name: str, ok: bool, seconds: float) -> None:
        attrs: dict[str, Any] = {"kind": kind, "check": name, "outcome": "ok" if ok else "fail"}
        self._checks.add(1, attrs)
        self._duration.record(seconds, {"kind": kind, "check": name})

    @property
    def collector(self) -> Any:
        """The prometheus_client collector of this reader (registered in our scrape registry)."""
        return self.reader._collector  # noqa: SLF001 - the reader exposes no public accessor

    def install_global(self) -> None:
        metrics.set_meter_provider(self.provider)
