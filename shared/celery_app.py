"""``create_app(tag)``: the Celery factory every worker package calls in its ``app.py``."""

from __future__ import annotations

import importlib
import os
import socket
import time
from collections.abc import Sequence
from typing import Any

from celery import Celery, signals

import celeryconfig
from celeryconfig import QUEUES
from shared import __version__
from shared.config import WorkerSettings, get_settings
from shared.events import EventPublisher, EventSource, set_publisher
from shared.health import DeepCheck
from shared.logging import configure_logging
from shared.schemas.requirement import SchemaRequirement
from shared.signals import connect_signals
from shared.steps import HealthStep, HeartbeatStep, IdleExitStep, SchemaStep, TopologyStep
from shared.tasks import WorkerTask
from shared.telemetry import configure_tracing

__all__ = ["create_app", "create_client"]


def _configure(app: Celery, settings: WorkerSettings) -> None:
    app.config_from_object(celeryconfig)
    app.conf.broker_url = settings.rmq_url.get_secret_value()
    app.conf.result_backend = settings.redis_url.get_secret_value()


def create_client(settings: WorkerSettings | None = None) -> Celery:
    """A producer-only app (``send_task``) with the same queues, routes and reliability settings."""
    settings = settings or get_settings()
    app = Celery("workers-core-client", set_as_current=False)
    _configure(app, settings)
    connect_signals()
    return app


def create_app(
    tag: str,
    *,
    deep_checks: Sequence[DeepCheck] = (),
    settings: WorkerSettings | None = None,
    schemas: SchemaRequirement | None = None,
) -> Celery:
    """Build the worker app of ``tag``: config, limits, bootsteps, signals, events and ``<tag>.ping``."""
    if tag not in QUEUES:
        raise ValueError(f"unknown worker tag {tag!r}; known: {', '.join(QUEUES)}")
    spec = QUEUES[tag]
    settings = settings or get_settings()
    app = Celery(f"workers-core.{spec.package}", task_cls=WorkerTask, set_as_current=True)
    _configure(app, settings)
    app.conf.task_default_queue = spec.tag
    app.conf.task_default_routing_key = spec.tag
    app.conf.task_soft_time_limit = spec.soft_time_limit
    app.conf.task_time_limit = spec.time_limit
    app.conf.worker_prefetch_multiplier = spec.prefetch
    app.conf.workers_core_tag = spec.tag
    app.conf.workers_core_settings = settings
    app.conf.workers_core_deep_checks = list(deep_checks)
    app.conf.workers_core_schemas = schemas
    if schemas is not None:
        app.conf.workers_core_deep_checks.insert(0, DeepCheck("schemas", schemas.deep_check))
    extra = [m.strip() for m in os.environ.get("WORKER_EXTRA_IMPORTS", "").split(",") if m.strip()]
    app.conf.imports = tuple(extra)
    WorkerTask.max_retries = settings.max_retries

    app.steps["worker"].add(SchemaStep)
    app.steps["worker"].add(TopologyStep)
    app.steps["worker"].add(HealthStep)
    app.steps["worker"].add(HeartbeatStep)
    app.steps["worker"].add(IdleExitStep)
    connect_signals()
    instance = settings.instance_id or socket.gethostname()
    set_publisher(
        EventPublisher(app, EventSource(worker=spec.tag, version=settings.worker_version, instance=instance),
                       enabled=settings.events_enabled)
    )

    @signals.setup_logging.connect(weak=False)
    def _setup_logging(**_: Any) -> None:  # connecting it stops Celery from configuring logging
        configure_logging(settings.log_level, settings.log_format)

    @signals.worker_process_init.connect(weak=False)
    def _process_init(**_: Any) -> None:
        configure_tracing(spec.tag, settings.worker_version, instance)

    @app.task(name=spec.ping_task, bind=True, acks_late=False, publish_failure_events=False)
    def ping(self: WorkerTask, echo: str | None = None) -> dict[str, Any]:
        """Diagnostic: proves the queue is consumed end to end (used by deployment validation)."""
        return {
            "pong": True,
            "tag": spec.tag,
            "hostname": self.request.hostname,
            "pid": os.getpid(),
            "version": settings.worker_version or __version__,
            "time": time.time(),
            "echo": echo,
        }

    for module in extra:
        importlib.import_module(module)
    return app
