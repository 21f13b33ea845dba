"""``create_app(spec)``: assembles a declared worker (``shared.worker.WorkerSpec``) into its Celery app.

It applies ``celeryconfig`` and the tag's limits, registers every task of the spec (payload validation,
handler call, events, follow-ups) plus ``<tag>.ping``, adds the bootsteps (schemas, topology, health,
heartbeat, idle exit) and builds the services in each pool process. ``create_client`` is the producer side.
"""

from __future__ import annotations

import importlib
import os
import socket
import time
from typing import Any

from celery import Celery, signals

import celeryconfig
from celeryconfig import QUEUES
from shared import __version__
from shared.config import WorkerSettings, get_settings
from shared.context import current_correlation_id
from shared.events import EventPublisher, EventSource
from shared.health import DeepCheck
from shared.logging import configure_logging
from shared.runtime import WorkerRuntime
from shared.signals import connect_signals
from shared.steps import HealthStep, HeartbeatStep, IdleExitStep, SchemaStep, StartupStep, TopologyStep
from shared.tasks import WorkerTask
from shared.telemetry import configure_tracing
from shared.worker import Outcome, TaskContext, TaskSpec, WorkerSpec

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


def _register(app: Celery, runtime: WorkerRuntime[Any, Any], spec: TaskSpec[Any, Any]) -> None:
    """Wrap ``spec.handler`` in a Celery task: validate, call, publish events, send follow-ups, return JSON."""
    publisher: EventPublisher = app.conf.workers_core_publisher

    def run(self: WorkerTask, **kwargs: Any) -> dict[str, Any]:
        payload = spec.payload.model_validate(kwargs)  # a ValidationError becomes PayloadError in WorkerTask
        ctx = TaskContext(
            task_id=self.request.id, retries=self.request.retries, correlation_id=current_correlation_id()
        )
        outcome: Outcome = spec.handler(runtime.services(), payload, ctx)
        for event in outcome.events:
            publisher.publish(event.name, dict(event.data), error=dict(event.error) if event.error else None)
        for follow in outcome.follow_ups:
            # RabbitMQ's native delayed delivery counts whole seconds (quorum queues refuse fractions)
            countdown = max(1, round(follow.countdown)) if follow.countdown > 0 else None
            app.send_task(follow.task, kwargs=dict(follow.kwargs), countdown=countdown, task_id=follow.task_id)
        return outcome.json()

    run.__doc__ = spec.description or spec.handler.__doc__
    app.task(name=spec.name, bind=True, **spec.options)(run)


def _register_ping(app: Celery, tag: str, settings: WorkerSettings) -> None:
    def ping(self: WorkerTask, echo: str | None = None) -> dict[str, Any]:
        """Diagnostic: proves the queue is consumed end to end (used by deployment validation)."""
        return {
            "pong": True,
            "tag": tag,
            "hostname": self.request.hostname,
            "pid": os.getpid(),
            "version": settings.worker_version or __version__,
            "time": time.time(),
            "echo": echo,
        }

    app.task(name=QUEUES[tag].ping_task, bind=True, acks_late=False, publish_failure_events=False)(ping)


def _deep_checks(spec: WorkerSpec[Any, Any], runtime: WorkerRuntime[Any, Any]) -> list[DeepCheck]:
    checks = [DeepCheck("schemas", spec.schemas.deep_check)] if spec.schemas is not None else []
    return [*checks, *spec.deep_checks(runtime.settings)]


def create_app(spec: WorkerSpec[Any, Any], *, settings: WorkerSettings | None = None) -> Celery:
    """Build the worker app of ``spec``: config, limits, tasks, bootsteps, signals, events, ``<tag>.ping``."""
    if spec.tag not in QUEUES:
        raise ValueError(f"unknown worker tag {spec.tag!r}; add it to celeryconfig.QUEUES (known: {', '.join(QUEUES)})")
    queue = QUEUES[spec.tag]
    settings = settings or get_settings()
    app = Celery(f"workers-core.{queue.package}", task_cls=WorkerTask, set_as_current=True)
    _configure(app, settings)
    app.conf.update(
        task_default_queue=queue.tag,
        task_default_routing_key=queue.tag,
        task_soft_time_limit=queue.soft_time_limit,
        task_time_limit=queue.time_limit,
        worker_prefetch_multiplier=queue.prefetch,
        workers_core_tag=queue.tag,
        workers_core_settings=settings,
        workers_core_schemas=spec.schemas,
    )
    runtime: WorkerRuntime[Any, Any] = WorkerRuntime(spec)
    instance = settings.instance_id or socket.gethostname()
    app.conf.workers_core_runtime = runtime
    app.conf.workers_core_deep_checks = _deep_checks(spec, runtime)
    startup = spec.startup
    app.conf.workers_core_startup = (lambda: startup(runtime.settings)) if startup is not None else None
    app.conf.workers_core_publisher = EventPublisher(
        app,
        EventSource(worker=queue.tag, version=settings.worker_version, instance=instance),
        enabled=settings.events_enabled,
    )
    extra = [m.strip() for m in os.environ.get("WORKER_EXTRA_IMPORTS", "").split(",") if m.strip()]
    app.conf.imports = tuple(extra)
    WorkerTask.max_retries = settings.max_retries
    WorkerTask.retry_policy = settings.retry_policy()

    for step in (SchemaStep, StartupStep, TopologyStep, HealthStep, HeartbeatStep, IdleExitStep):
        app.steps["worker"].add(step)
    connect_signals()

    def setup_logging(**_: Any) -> None:  # connecting it stops Celery from configuring logging
        configure_logging(settings.log_level, settings.log_format)

    def process_init(**_: Any) -> None:
        configure_tracing(queue.tag, settings.worker_version, instance)
        runtime.warm_up()

    signals.setup_logging.connect(setup_logging, weak=False)
    signals.worker_process_init.connect(process_init, weak=False)
    for task in spec.tasks:
        _register(app, runtime, task)
    _register_ping(app, queue.tag, settings)
    for module in extra:
        importlib.import_module(module)
    return app
