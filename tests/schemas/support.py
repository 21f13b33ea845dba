"""Shared checks: a filing worker without its official schemas files nothing, in production and in development."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.workers import WorkerProcess


def refuses_to_start(start_worker: Any, tag: str, env: dict[str, str], empty: Path) -> WorkerProcess:
    """Production mode, empty schemas directory: the worker exits with EX_CONFIG (78) and says why in one line."""
    worker: WorkerProcess = start_worker(
        tag, env={**env, "WORKERS_CORE_ENV": "production", "WORKERS_CORE_SCHEMAS_DIR": str(empty)}, wait=False
    )
    assert worker.proc is not None
    deadline = time.monotonic() + 60
    while worker.proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.proc.returncode == 78, worker.logs()[-3000:]
    refusals = [line for line in worker.logs().splitlines() if "refusing to start" in line]
    assert len(refusals) == 1 and "workers-core schemas install" in refusals[0]
    assert " ready." not in worker.logs()
    return worker


def deep_readiness_fails(worker: WorkerProcess) -> dict[str, Any]:
    """Development mode: the worker runs, but ``/readyz?deep=true`` is 503 with the schemas check failing."""
    answer = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=30)
    checks = {c["name"]: c for c in answer.json()["deep"]}
    assert answer.status_code == 503 and checks["schemas"]["status"] == "fail"
    assert "missing" in checks["schemas"]["error"]
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    info = [line for line in metrics.splitlines() if line.startswith("workers_core_schema_info{")]
    assert info and all(line.endswith(" 0.0") for line in info)
    return checks


def failed_for_schemas(result: Any) -> None:
    result.get(timeout=60, propagate=False)
    assert result.state == "FAILURE"
    assert result.result.args[0]["code"] == "schemas_unavailable", result.result.args
