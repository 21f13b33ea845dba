"""Fixtures for the observability tests: a real worker registry process on loopback."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.support.workers import free_port, http_ready

REPO = Path(__file__).resolve().parents[2]


@dataclass
class RegistryProcess:
    url: str
    token: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", timeout=5).text

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def registry_server(worker_env: dict[str, str], tmp_path: Path) -> Iterator[RegistryProcess]:
    """`workers-core registry serve` with fast health-check/sweep intervals, and the ocr workers' heartbeat token
    (worker tokens are bound to their tag)."""
    from registry.auth import mint_token
    from registry.config import RegistrySettings

    jwt_secret = secrets.token_urlsafe(32)
    port = free_port()
    env = {
        **worker_env,
        "REGISTRY_HOST": "127.0.0.1",
        "REGISTRY_PORT": str(port),
        "REGISTRY_JWT_SECRET": jwt_secret,
        "REGISTRY_HEALTHCHECK_INTERVAL": "1",
        "REGISTRY_HEALTHCHECK_TIMEOUT": "1",
        "REGISTRY_HEALTHCHECK_RETRIES": "0",
        "REGISTRY_SWEEP_INTERVAL": "1",
        "REGISTRY_QUEUE_POLL_INTERVAL": "1",
        "REGISTRY_HEARTBEAT_INTERVAL": "2",
        "REGISTRY_SCRAPE_ALLOWED_NETWORKS": "127.0.0.0/8",  # the workers' health apps listen on loopback
    }
    log_path = tmp_path / "registry.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "registry", "serve"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    token = mint_token(
        RegistrySettings(jwt_secret=SecretStr(jwt_secret)),
        subject="observability-test",
        scopes=["workers:heartbeat", "workers:read"],
        ttl=3600,
        tag="ocr",
    )
    server = RegistryProcess(url, token, proc, log_path)
    if not http_ready(f"{url}/readyz", proc, 60, step=0.3):
        proc.kill()
        pytest.fail(f"registry did not become ready:\n{server.log()}")
    yield server
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
