"""The registry's background jobs in a process of their own: ``workers-core registry jobs``.

Flush (write-behind to SQL), sweep (failure detection), health scrapes and queue sampling are CPU and I/O
work that, run inside the API process, competes with heartbeats for the event loop and the GIL (the
benchmark saw client p99 rise from ~20 ms to ~90 ms when a sweep of 1,000 instances ran). Deployed apart,
API replicas run with ``REGISTRY_JOBS_ENABLED=false`` and scale on heartbeats alone, and the jobs process
runs the same ``JobRunner`` against the same Redis and PostgreSQL (leader jobs take their Redis lock, so two
jobs processes for availability never run a sweep twice). Its counters and histograms (job durations, failed
health checks) are served on ``REGISTRY_JOBS_PORT``; gauges stay with the API, computed at scrape time.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import structlog
from prometheus_client import start_http_server

from registry.config import RegistrySettings
from registry.runtime import Runtime

__all__ = ["run_jobs"]

log = structlog.get_logger(__name__)


async def run_jobs(
    settings: RegistrySettings, *, host: str, port: int, on_ready: Callable[[], None] | None = None
) -> None:
    """Run every periodic job until SIGTERM/SIGINT, then stop the loops and write the last flush."""
    runtime = Runtime(settings.model_copy(update={"jobs_enabled": True}))
    server, thread = start_http_server(port, addr=host, registry=runtime.metrics.registry)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await runtime.open()
    log.info("registry jobs running", jobs=[job.name for job in runtime.jobs.jobs], metrics_port=port)
    if on_ready is not None:
        on_ready()
    try:
        await stop.wait()
    finally:
        await runtime.close()
        server.shutdown()
        thread.join(timeout=5)
        log.info("registry jobs stopped", runs=runtime.jobs.runs)
