"""``gateway serve --workers N``: every process logs as configured (JSON at ``LOG_LEVEL``), not only the parent.

Uvicorn spawns the processes, which import the app factory afresh: the parent's logging set-up does not reach
them. Before the fix their lines were structlog's default console text at every level.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from gateway.auth import mint_token
from tests.support.gateway import strong_secret
from tests.support.workers import free_port, http_ready

REPO = Path(__file__).resolve().parents[2]


def serve(broker_url: str, redis_url: str, level: str, tmp_path: Path) -> tuple[list[str], str]:
    """Run ``gateway serve --workers 2``, send one task with a fresh correlation id; its stdout lines and the id."""
    port, secret = free_port(), strong_secret()
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "LOG_FORMAT")}
    env.update(
        RMQ_URL=broker_url,
        REDIS_URL=redis_url,
        GATEWAY_JWT_SECRET=secret,
        WORKERS_CORE_ENV="test",
        LOG_LEVEL=level,
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    out = tmp_path / f"gateway-{level}.log"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    correlation = f"corr-{uuid.uuid4().hex}"
    try:
        url = f"http://127.0.0.1:{port}"
        assert http_ready(f"{url}/readyz", proc, 60), out.read_text()[-2000:]
        token = mint_token(secret, sub="logs", tenant="tenant-a", scopes=["tasks:send:*"], ttl_s=60)
        answer = httpx.post(
            f"{url}/v1/tasks/notify.slack",
            json={"text": "jurnal", "channel": "#ops"},
            headers={"Authorization": f"Bearer {token}", "X-Correlation-Id": correlation},
            timeout=30,
        )
        assert answer.status_code == 202, answer.text
    finally:
        proc.terminate()
        proc.wait(30)
    return [line for line in out.read_text().splitlines() if line.strip()], correlation


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_every_process_logs_json_at_the_configured_level(
    gateway_broker_url: str, redis_url: str, level: str, tmp_path: Path
) -> None:
    lines, correlation = serve(gateway_broker_url, redis_url, level, tmp_path)
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line is not JSON: {line[:300]!r}")
    accepted = [r for r in records if r.get("event") == "task accepted"]
    if level == "INFO":
        assert len(accepted) == 1, lines[-20:]
        assert accepted[0]["level"] == "info" and accepted[0]["correlation_id"] == correlation
        assert accepted[0]["task"] == "notify.slack"
    else:
        assert not accepted and all(r.get("level") != "info" for r in records), lines[-20:]
