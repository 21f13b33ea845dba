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

__all__ = ["Telemetry", "configure_tracing", "tracer", "tracing_enabled"]

_tracer_provider: TracerProvider | None = None
_tracing_enabled = False


def _resource(tag: str, version: str, instance: str) -> Resource:
    return Resource.create(
        {"service.name": f"workers-core-{tag}", "service.version": version, "service.instance.id": instance}
    )


def configure_tracing(tag: str, version: str, instance: str) -> None:
    """Install the SDK tracer provider in a pool process when spans have somewhere to go.

    Spans are exported over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set and the OTLP exporter package
    is installed, or written to stdout as JSON when ``OTEL_TRACES_EXPORTER=console``; otherwise no span is
    created at all, so an unobserved worker pays nothing per task.
    """
    global _tracer_provider, _tracing_enabled
    provider = TracerProvider(resource=_resource(tag, version, instance))
    enabled = False
    if os.environ.get("OTEL_TRACES_EXPORTER", "").lower() == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

        provider.add_span_processor(
            SimpleSpanProcessor(ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n"))
        )
        enabled = True
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if endpoint:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
            enabled = True
        except ImportError:
            pass
    _tracer_provider = provider
    _tracing_enabled = enabled


def tracing_enabled() -> bool:
    return _tracing_enabled


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
        return self.reader._collector

    def install_global(self) -> None:
        metrics.set_meter_provider(self.provider)
