"""What the worker benchmarks share: a throwaway broker target (RabbitMQ vhost + Redis DB), the environment a
real worker process needs to use it, a producer client, and CPU accounting from /proc."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

from shared.celery_app import create_client
from shared.config import WorkerSettings
from tests.support.redisdb import locked_redis_db

__all__ = ["BenchBroker", "cpu_seconds", "rabbitmqctl"]

_TICK = os.sysconf("SC_CLK_TCK")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def cpu_seconds(pid: int, *, with_children: bool = True) -> float:
    """User + system CPU time of a process (+ its live and reaped children), from /proc; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    if not with_children:
        return (utime + stime) / _TICK
    total = (utime + stime + cutime + cstime) / _TICK
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            total += cpu_seconds(int(child))
    return total


class BenchBroker:
    """A RabbitMQ vhost and a Redis DB of one benchmark run (the vhost is deleted on exit), plus a client."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.vhost = f"wc-bench-{uuid.uuid4().hex[:8]}"
        rabbitmqctl("add_vhost", self.vhost)
        rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        self.broker_url = f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        # a DB no test suite or other bench holds (their lock), so nobody wipes the run's keys under it
        self._redis_db = locked_redis_db(f"bench-{self.vhost}", ttl=4 * 3600, who=f"bench {self.vhost}")
        self.redis_url = self._redis_db.__enter__()
        self.client = create_client(
            WorkerSettings(RMQ_URL=self.broker_url, REDIS_URL=self.redis_url, WORKERS_CORE_ENV="test")
        )

    def worker_env(self, **extra: str) -> dict[str, str]:
        """This process's environment pointed at the run's vhost/DB (no inherited metrics dir or health port)."""
        env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "HEALTH_PORT")}
        env.update(
            RMQ_URL=self.broker_url,
            REDIS_URL=self.redis_url,
            ARTIFACT_DIR=str(self.workdir / "artifacts"),
            WORKERS_CORE_ENV="test",
            LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            LOG_FORMAT="json",
            REGISTRY_URL="",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def close(self) -> None:
        self.client.close()
        with contextlib.suppress(Exception):
            rabbitmqctl("delete_vhost", self.vhost)
        self._redis_db.__exit__(None, None, None)

    def __enter__(self) -> BenchBroker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
