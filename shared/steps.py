"""Worker bootsteps: thin lifecycle glue around plain services (health server, topology, heartbeat)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import redis
import structlog
from celery import bootsteps
from kombu import Connection

from celeryconfig import DEAD_LETTER_EXCHANGE, QUEUES, dead_letter_queue, task_queue
from shared.broker import queue_depths
from shared.config import WorkerSettings
from shared.health import DeepCheck, HealthServer, Probe, build_health_app
from shared.heartbeat import Heartbeat
from shared.metrics import WORKER_UP, QueueStatsCollector, build_registry, clean_dead_process_files
from shared.procstats import ProcessTreeCollector, tree_usage
from shared.schemas.requirement import SchemaInfoCollector, SchemaRequirement
from shared.schemas.store import SchemasUnavailable
from shared.telemetry import Telemetry

__all__ = ["HealthStep", "HeartbeatStep", "IdleExitStep", "SchemaStep", "TopologyStep", "worker_stats"]

log = structlog.get_logger(__name__)


class TopologyStep(bootsteps.StartStopStep):
    """Declares every task queue, the dead-letter exchange and each ``<queue>.dlq`` before consuming.

    It runs in ``create`` (before any step starts) so that Celery's native delayed delivery, which binds
    every configured queue, finds them all; declarations are idempotent.
    """

    label = "workers-core topology"

    def create(self, worker: Any) -> Any:
        with worker.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=10)
            channel = conn.default_channel
            DEAD_LETTER_EXCHANGE(channel).declare()
            for spec in QUEUES.values():
                dead_letter_queue(spec)(channel).declare()
                task_queue(spec)(channel).declare()
        return None


class SchemaStep(bootsteps.Step):
    """Refuses to start a filing worker whose validation artefacts are unusable (outside development)."""

    label = "workers-core schemas"

    def create(self, worker: Any) -> Any:
        requirement: SchemaRequirement | None = worker.app.conf.workers_core_schemas
        if requirement is None:
            return None
        settings: WorkerSettings = worker.app.conf.workers_core_settings
        try:
            refs = requirement.check()
        except SchemasUnavailable as exc:
            if settings.workers_core_env == "development":
                log.warning(
                    "validation artefacts unusable: every submission will fail until they are installed",
                    error=exc.message,
                )
                return None
            log.critical("refusing to start: validation artefacts unusable", error=exc.message)
            raise SystemExit(78) from None  # EX_CONFIG: a deployment error, restarting will not help
        log.info("validation artefacts verified", artefacts=refs)
        return None


class StartupStep(bootsteps.Step):
    """Runs the spec's ``startup`` check (``WorkerSpec.startup``); a failure refuses the start outside development."""

    label = "workers-core startup"
    requires = {SchemaStep}

    def create(self, worker: Any) -> Any:
        check: Callable[[], None] | None = getattr(worker.app.conf, "workers_core_startup", None)
        if check is None:
            return None
        settings: WorkerSettings = worker.app.conf.workers_core_settings
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure here is a deployment error, said in one line
            reason = " ".join(str(exc).split())[:500] or type(exc).__name__
            if settings.workers_core_env == "development":
                log.warning("start-up check failed: tasks will fail until it is fixed", error=reason)
                return None
            log.critical("refusing to start: start-up check failed", error=reason)
            raise SystemExit(78) from None  # EX_CONFIG: a deployment error, restarting will not help
        return None


class HealthStep(bootsteps.StartStopStep):
    """Starts the health app (``/healthz``, ``/readyz``, ``/metrics``) in the worker's parent process."""

    label = "workers-core health"
    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.server: HealthServer | None = None
        self.started_at = time.time()

    def _settings(self, worker: Any) -> WorkerSettings:
        settings: WorkerSettings = worker.app.conf.workers_core_settings
        return settings

    def create(self, worker: Any) -> Any:
        app = worker.app
        tag: str = app.conf.workers_core_tag
        settings = self._settings(worker)
        spec = QUEUES[tag]
        port = settings.health_port if settings.health_port is not None else spec.health_port
        if port <= 0:
            return None
        clean_dead_process_files()
        broker_url = settings.rmq_url.get_secret_value()
        redis_url = settings.redis_url.get_secret_value()
        telemetry = Telemetry(tag, settings.worker_version, settings.instance_id)
        queue_collector = QueueStatsCollector(
            lambda: queue_depths(broker_url, [spec.tag, spec.dlq], timeout=3), ttl=settings.queue_length_cache_seconds
        )
        collectors: list[Any] = [queue_collector, telemetry.collector, ProcessTreeCollector()]
        requirement: SchemaRequirement | None = app.conf.workers_core_schemas
        if requirement is not None:
            collectors.append(SchemaInfoCollector(requirement))
        registry = build_registry(collectors)
        redis_client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)

        broker_check, backend_check, liveness = self._checks(worker, settings, broker_url, redis_client)
        deep: list[DeepCheck] = list(app.conf.workers_core_deep_checks or ())
        probe = Probe(
            tag=tag,
            liveness=liveness,
            readiness=[
                DeepCheck("broker", broker_check, timeout=3),
                DeepCheck("result_backend", backend_check, timeout=3),
            ],
            deep=deep,
            on_result=telemetry.record_check,
        )
        self.server = HealthServer(build_health_app(probe, registry), settings.health_host, port)
        WORKER_UP.labels(worker.hostname, tag).set(1)
        return None

    def _checks(
        self, worker: Any, settings: WorkerSettings, broker_url: str, redis_client: redis.Redis[bytes]
    ) -> tuple[Callable[[], dict[str, Any]], Callable[[], dict[str, Any]], Callable[[], dict[str, Any]]]:
        """Readiness (broker, result backend) and liveness checks of this worker's health app."""

        def broker_check() -> dict[str, Any]:
            with Connection(broker_url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            consumer = getattr(worker, "consumer", None)
            connection = getattr(consumer, "connection", None)
            if connection is not None and not connection.connected:
                raise ConnectionError("the worker's consumer is not connected to the broker")
            return {"consuming": True}

        def backend_check() -> dict[str, Any]:
            redis_client.ping()
            return {}

        def liveness() -> dict[str, Any]:
            blueprint = getattr(worker, "blueprint", None)
            state = getattr(blueprint, "state", None)
            # blueprint states: 0 initial, 1 running, 2 closing, 3 terminating
            return {
                "alive": state in (None, 0, 1),
                "hostname": worker.hostname,
                "pid": os.getpid(),
                "uptime_s": round(time.time() - self.started_at, 1),
                "version": settings.worker_version,
            }

        return broker_check, backend_check, liveness

    def start(self, worker: Any) -> None:
        if self.server is not None:
            self.server.start()

    def stop(self, worker: Any) -> None:
        if self.server is not None:
            WORKER_UP.labels(worker.hostname, worker.app.conf.workers_core_tag).set(0)
            self.server.stop()
            self.server = None

    def shutdown(self, worker: Any) -> None:
        self.stop(worker)


def _last_task_time() -> datetime | None:
    """Latest ``workers_core_last_task_timestamp_seconds`` written by any pool child."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return None
    from prometheus_client import multiprocess

    latest = 0.0
    for metric in multiprocess.MultiProcessCollector(None, path=directory).collect():
        if metric.name == "workers_core_last_task_timestamp_seconds":
            latest = max([latest, *(s.value for s in metric.samples)])
    return datetime.fromtimestamp(latest, UTC) if latest else None


def worker_stats(worker: Any) -> dict[str, Any]:
    """The heartbeat's view of the worker: consuming, reserved and active tasks, last task, own score."""
    from celery.worker import state

    consumer = getattr(worker, "consumer", None)
    connection = getattr(consumer, "connection", None)
    consuming = bool(connection is not None and connection.connected)
    memory_bytes, cpu_seconds = tree_usage()
    return {
        "memory_bytes": memory_bytes,
        "cpu_seconds": round(cpu_seconds, 3),
        "consuming": consuming,
        "queue_size": len(state.reserved_requests),
        "active_tasks": len(state.active_requests),
        "last_task_time": _last_task_time(),
        "health_score": 100 if consuming else 0,
    }


class HeartbeatStep(bootsteps.StartStopStep):
    """Registers the instance with the Worker Registry and heartbeats every ``HEARTBEAT_INTERVAL`` seconds;
    unregisters on graceful shutdown. Disabled when ``REGISTRY_URL`` is empty. Never blocks tasks."""

    label = "workers-core heartbeat"
    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.heartbeat: Heartbeat | None = None

    def create(self, worker: Any) -> Any:
        settings: WorkerSettings = worker.app.conf.workers_core_settings
        if not settings.registry_url:
            return None
        tag: str = worker.app.conf.workers_core_tag
        port = settings.health_port if settings.health_port is not None else QUEUES[tag].health_port
        host = settings.health_host if settings.health_host not in ("0.0.0.0", "::", "") else socket.gethostname()  # noqa: S104
        endpoint = settings.health_advertise_url or (f"http://{host}:{port}" if port > 0 else None)
        token = settings.registry_token.get_secret_value() if settings.registry_token else ""
        self.heartbeat = Heartbeat(
            SimpleNamespace(
                registry_url=settings.registry_url,
                registry_token=token,
                heartbeat_interval=settings.heartbeat_interval,
                worker_version=settings.worker_version,
            ),
            tag=tag,
            instance_id=settings.instance_id,
            health_endpoint=endpoint,
            stats=lambda: worker_stats(worker),
        )
        return None

    def start(self, worker: Any) -> None:
        if self.heartbeat is not None:
            self.heartbeat.start()

    def stop(self, worker: Any) -> None:
        if self.heartbeat is not None:
            self.heartbeat.stop()

    def shutdown(self, worker: Any) -> None:
        self.stop(worker)


class IdleExitStep(bootsteps.StartStopStep):
    """With ``WORKER_EXIT_WHEN_IDLE=N`` the worker shuts down gracefully once it ran nothing and its queue was
    empty for N seconds: a Kubernetes Job draining a backlog (KEDA ScaledJob) then completes by itself."""

    label = "workers-core idle exit"
    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        settings: WorkerSettings = worker.app.conf.workers_core_settings
        if settings.exit_when_idle is None:
            return
        limit = settings.exit_when_idle
        tag: str = worker.app.conf.workers_core_tag
        broker_url = settings.rmq_url.get_secret_value()

        def watch() -> None:
            from celery.worker import state

            idle_since = time.monotonic()
            while not self._stop.wait(min(1.0, limit / 4)):
                busy = bool(state.active_requests or state.reserved_requests)
                if not busy:
                    try:
                        busy = queue_depths(broker_url, [tag], timeout=3).get(tag, (1, 0))[0] > 0
                    except Exception:  # noqa: BLE001 - broker away: not idle, keep waiting
                        busy = True
                if busy:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= limit:
                    log.info("idle: exiting", idle_seconds=limit, queue=tag)
                    os.kill(os.getpid(), signal.SIGTERM)
                    return

        self._thread = threading.Thread(target=watch, name="workers-core-idle-exit", daemon=True)
        self._thread.start()

    def stop(self, worker: Any) -> None:
        self._stop.set()

    def shutdown(self, worker: Any) -> None:
        self.stop(worker)
