"""The gateway's ``/metrics`` (own registry: requests, latency, accepted tasks, replays, rejections).

==================================================  =========  ==========================================
metric                                              type       meaning
==================================================  =========  ==========================================
``gateway_requests_total{method,route,status}``     counter    HTTP requests answered
``gateway_request_duration_seconds{method,route}``  histogram  time to answer (streams: time to headers)
``gateway_tasks_accepted_total{task}``              counter    tasks published and confirmed (202)
``gateway_idempotent_replays_total{task}``          counter    202 answers replayed for an Idempotency-Key
``gateway_rejections_total{code}``                  counter    error answers by error code
==================================================  =========  ==========================================
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

__all__ = ["GatewayMetrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class GatewayMetrics:
    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "gateway_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "gateway_request_duration_seconds",
            "Time to answer a request",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.accepted = Counter(
            "gateway_tasks_accepted", "Tasks published and confirmed", ["task"], registry=self.registry
        )
        self.replays = Counter(
            "gateway_idempotent_replays", "Answers replayed for an Idempotency-Key", ["task"], registry=self.registry
        )
        self.rejections = Counter("gateway_rejections", "Error answers by code", ["code"], registry=self.registry)

    def render(self) -> bytes:
        """This process's samples, or every gateway process's when ``gateway serve --workers N`` runs several."""
        if self.processes > 1:
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return generate_latest(merged)
        return generate_latest(self.registry)
