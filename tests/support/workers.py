"""Real ``celery worker`` processes for tests, started through our CLI in their own process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_ready(url: str, proc: subprocess.Popen[bytes], timeout: float, step: float = 0.2) -> bool:
    """Wait until ``url`` answers 200 while ``proc`` runs; False when it exited or ``timeout`` passed first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        time.sleep(step)
    return False


class WorkerProcess:
    """One worker (parent + pool children). ``kill()`` is SIGKILL to the whole group, like a node crash."""

    def __init__(
        self,
        tag: str,
        env: dict[str, str],
        workdir: Path,
        *,
        concurrency: int = 1,
        pool: str = "prefork",
        name: str | None = None,
        health_port: int | None = None,
        extra_args: tuple[str, ...] = (),
        cwd: Path = REPO,
    ):
        self.tag = tag
        self.cwd = cwd  # the source tree the worker runs from (a generated worker's temp copy)
        self.env = env
        self.concurrency = concurrency
        self.pool = pool
        self.port = health_port or free_port()
        self.name = name or f"{tag}-{self.port}"
        self.hostname = f"{self.name}@{socket.gethostname()}"
        self.workdir = workdir
        self.log_path = workdir / f"worker-{self.name}.log"
        self.metrics_dir = workdir / f"metrics-{self.name}"
        self.extra_args = extra_args
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait: bool = True, timeout: float = 60.0) -> WorkerProcess:
        self.metrics_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **self.env,
            "HEALTH_PORT": str(self.port),
            "HEALTH_HOST": "127.0.0.1",
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
            "INSTANCE_ID": self.name,
        }
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        cmd = [
            sys.executable,
            "-m",
            "shared.cli",
            "worker",
            self.tag,
            "-c",
            str(self.concurrency),
            "-P",
            self.pool,
            "-n",
            f"{self.name}@%h",
            *self.extra_args,
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        if wait:
            self.wait_ready(timeout)
        return self

    def logs(self, *, since_start: bool = False) -> str:
        if not self.log_path.exists():
            return ""
        data = self.log_path.read_bytes()
        return data[self._log_offset :].decode("utf-8", "replace") if since_start else data.decode("utf-8", "replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.proc.returncode}:\n{self.logs()[-4000:]}")
            if f"{self.name}@" in self.logs(since_start=True) and " ready." in self.logs(since_start=True):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(self.health_url + "/healthz", timeout=2).status_code == 200:
                        return
            time.sleep(0.2)
        raise TimeoutError(f"worker {self.name} not ready in {timeout}s:\n{self.logs()[-4000:]}")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        """Graceful stop (SIGTERM = warm shutdown), SIGKILL if it does not exit in time."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reap_group()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL the parent and every pool child at once."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def _reap_group(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
