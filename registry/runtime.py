"""The registry's runtime: settings, database, Redis, service, auth, metrics and jobs, built once per app."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import httpx
import structlog
from redis.asyncio import Redis

from registry.auth import TokenVerifier
from registry.config import RegistrySettings
from registry.db import Database
from registry.healthcheck import WorkerHealthCheckJob
from registry.jobs import JobRunner, PeriodicJob
from registry.metrics import RegistryMetrics
from registry.queues import QueueMonitor
from registry.scaling import ScalingAdvisor
from registry.service import WorkerRegistryService
from registry.store import HotStore

__all__ = ["Runtime"]

log = structlog.get_logger(__name__)


@dataclass
class Runtime:
    """Everything a request or a job needs; ``open()``/``close()`` bracket the app's lifespan."""

    settings: RegistrySettings
    clock: Callable[[], float] = time.time
    scrape_transport: httpx.AsyncBaseTransport | None = None
    db: Database = field(init=False)
    redis: Redis[bytes] = field(init=False)
    store: HotStore = field(init=False)
    service: WorkerRegistryService = field(init=False)
    verifier: TokenVerifier = field(init=False)
    metrics: RegistryMetrics = field(init=False)
    advisor: ScalingAdvisor = field(init=False)
    healthcheck: WorkerHealthCheckJob = field(init=False)
    queues: QueueMonitor = field(init=False)
    jobs: JobRunner = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.db = Database(s.database_url)
        self.redis = Redis.from_url(
            s.redis_url.get_secret_value(), socket_timeout=5, socket_connect_timeout=5, max_connections=256
        )
        self.store = HotStore(self.redis)
        self.service = WorkerRegistryService(s, db=self.db, store=self.store, clock=self.clock)
        self.verifier = TokenVerifier(s, clock=self.clock)
        self.metrics = RegistryMetrics(s.expected_tags)
        self.advisor = ScalingAdvisor(s, self.store)
        self.healthcheck = WorkerHealthCheckJob(self.service, self.metrics, transport=self.scrape_transport)
        self.queues = QueueMonitor(self.service, s.rmq_url.get_secret_value())
        self.jobs = JobRunner(
            self.store,
            [
                PeriodicJob("flush", s.flush_interval, self.service.flush, leader=False),
                PeriodicJob("sweep", s.sweep_interval, self.service.sweep),
                PeriodicJob(WorkerHealthCheckJob.name, s.healthcheck_interval, self.healthcheck.run_once),
                PeriodicJob(QueueMonitor.name, s.queue_poll_interval, self.queues.run_once),
            ],
            observe=lambda job, seconds: self.metrics.job_duration.labels(job).observe(seconds),
        )

    async def open(self) -> None:
        if self.settings.auto_migrate:
            await anyio.to_thread.run_sync(self.db.migrate)
        if self.settings.jobs_enabled:
            self.jobs.start()

    async def close(self) -> None:
        await self.jobs.stop()
        try:
            await self.service.flush()  # last write-behind batch
        except Exception as exc:  # noqa: BLE001 - shutting down: report, keep closing
            log.warning(
                "final flush failed; dirty instances stay queued in Redis", error=f"{type(exc).__name__}: {exc}"
            )
        await self.redis.aclose()  # type: ignore[attr-defined]  # types-redis predates aclose()
        self.db.dispose()

    def job(self, name: str) -> PeriodicJob:
        return next(job for job in self.jobs.jobs if job.name == name)
