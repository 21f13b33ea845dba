"""``workers-core registry jobs``: the background jobs in their own process, beside API processes without jobs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from registry.config import RegistrySettings
from registry.runtime import Runtime
from shared.heartbeat import HeartbeatPayload
from tests.registry.helpers import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]


def _jobs_process(settings: RegistrySettings, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "WORKERS_CORE_ENV": "test",
        "REGISTRY_DATABASE_URL": settings.database_url,
        "REGISTRY_REDIS_URL": settings.redis_url.get_secret_value(),
        "REGISTRY_JWT_SECRET": settings.jwt_secret.get_secret_value() if settings.jwt_secret else "",
        "REGISTRY_JOBS_PORT": str(port),
        "REGISTRY_FLUSH_INTERVAL": "0.2",
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "registry.cli", "jobs"], cwd=REPO, env=env)


async def _register(settings: RegistrySettings) -> None:
    """What an API process with REGISTRY_JOBS_ENABLED=false does: write Redis, leave SQL to the jobs."""
    runtime = Runtime(settings)
    await runtime.open()
    try:
        await runtime.service.heartbeat("ocr", HeartbeatPayload(instance_id="ocr@jobs", version="1.0.0"))
    finally:
        await runtime.redis.aclose()  # type: ignore[attr-defined]  # no final flush: the jobs process owns it
        runtime.db.dispose()


def test_jobs_process_flushes_what_api_processes_wrote_and_stops_cleanly(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, registry_pg_url: str
) -> None:
    settings = make_settings(jobs_enabled=False)
    port = free_port()
    proc = _jobs_process(settings, port)
    try:
        metrics_url = f"http://127.0.0.1:{port}/metrics"

        def metrics() -> str | None:
            try:
                return httpx.get(metrics_url, timeout=1).text
            except httpx.HTTPError:
                assert proc.poll() is None, "the jobs process exited"
                return None

        wait_for(metrics, 20, what="the jobs process's metrics endpoint")
        asyncio.run(_register(settings))

        def persisted() -> bool:
            with psycopg.connect(registry_pg_url.replace("+psycopg", "")) as conn:
                row = conn.execute("SELECT status FROM worker_status WHERE instance_id = 'ocr@jobs'").fetchone()
            return row is not None

        wait_for(persisted, 10, what="the heartbeat flushed to SQL by the jobs process")
        text = wait_for(lambda: (m := metrics()) and 'registry_job_duration_seconds_count{job="flush"}' in m and m, 10)
        assert "failed_health_checks" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
