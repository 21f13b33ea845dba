"""A real registry process (``python -m registry.cli serve``, background jobs on) for the fault tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.faults import wait_until
from tests.support.workers import REPO, free_port


class RegistryProcess:
    """``start()`` / ``kill()`` (SIGKILL) / ``stop()`` of one registry process on a fixed port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "REGISTRY_PORT": str(self.port), "PYTHONPATH": str(REPO)}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> RegistryProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "registry.cli", "serve"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not wait_until(self._ready, timeout, step=0.2):
            raise TimeoutError(f"registry not ready:\n{self.log_path.read_text()[-3000:]}")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None and self.proc.poll() is None, self.log_path.read_text()[-3000:]
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def instances(self, tag: str, token: str) -> dict[str, dict[str, Any]]:
        """The registry's view of ``tag`` (instance id -> record); empty when it cannot answer."""
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
            response = httpx.get(
                f"{self.url}/v1/workers/{tag}", headers={"Authorization": f"Bearer {token}"}, timeout=3
            )
            if response.status_code == 200:
                return {i["instance_id"]: i for i in response.json()["instances"]}
        return {}
