"""Root fixtures: every pytest session gets its own RabbitMQ vhost, Redis DB and PostgreSQL database, and
real worker processes started through the ``workers-core`` CLI. No eager mode anywhere."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import redis

from shared.artifacts import S3ArtifactStore
from shared.celery_app import create_client
from shared.config import WorkerSettings
from tests.support.proxy import TcpProxy
from tests.support.redisdb import locked_redis_db
from tests.support.seaweed import SeaweedServer
from tests.support.workers import WorkerProcess

RMQ_HOST = os.environ.get("TEST_RMQ_HOST", "127.0.0.1")
RMQ_PORT = int(os.environ.get("TEST_RMQ_PORT", "5672"))
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
SESSION = uuid.uuid4().hex[:10]


def _rabbitmqctl(*args: str) -> None:
    """rabbitmqctl needs the Erlang cookie: root (CI) runs it directly, a developer through ``sudo -n``."""
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run([*prefix, "rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def temporary_vhost(vhost: str) -> Iterator[str]:
    """A RabbitMQ vhost ``vhost`` for guest, deleted on exit; yields its AMQP URL."""
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{RMQ_HOST}:{RMQ_PORT}/{quote(vhost, safe='')}"
    finally:
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def rabbit_vhost() -> Iterator[str]:
    """A RabbitMQ vhost of this session (deleted at the end), so parallel runs never share queues.

    ``TEST_RMQ_VHOST`` names an existing vhost instead (for a broker the tests cannot administer).
    """
    if os.environ.get("TEST_RMQ_VHOST"):
        yield os.environ["TEST_RMQ_VHOST"]
        return
    vhost = f"wc-test-{SESSION}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield vhost
    with contextlib.suppress(Exception):
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def broker_url(rabbit_vhost: str) -> str:
    return f"amqp://guest:guest@{RMQ_HOST}:{RMQ_PORT}/{quote(rabbit_vhost, safe='')}"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis DB locked for this session: no other suite of the session (the registry's wipe its own DB), no
    parallel session and no bench shares it (``tests.support.redisdb``)."""
    with locked_redis_db(f"session-{SESSION}", ttl=6 * 3600, who="the session's workers") as url:
        yield url


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A PostgreSQL database of this session, dropped at the end."""
    name = f"wc_test_{SESSION}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workers")


@pytest.fixture(scope="session")
def artifact_dir(session_dir: Path) -> Path:
    path = session_dir / "artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def worker_env(broker_url: str, redis_url: str, database_url: str, artifact_dir: Path) -> dict[str, str]:
    """Environment of worker subprocesses (extend it per test: ``{**worker_env, "X": "y"}``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "HEALTH_PORT")}
    env.update(
        RMQ_URL=broker_url,
        REDIS_URL=redis_url,
        DATABASE_URL=database_url.replace("postgresql://", "postgresql+psycopg://", 1),
        ARTIFACT_DIR=str(artifact_dir),
        WORKERS_CORE_ENV="test",
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        REGISTRY_URL="",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def worker_settings(worker_env: dict[str, str]) -> WorkerSettings:
    return WorkerSettings(
        RMQ_URL=worker_env["RMQ_URL"],
        REDIS_URL=worker_env["REDIS_URL"],
        ARTIFACT_DIR=worker_env["ARTIFACT_DIR"],
        WORKERS_CORE_ENV="test",
    )


@pytest.fixture(scope="session")
def celery_client(worker_settings: WorkerSettings):  # type: ignore[no-untyped-def]
    """A producer app bound to this session's vhost and Redis DB (``send_task`` + results)."""
    app = create_client(worker_settings)
    yield app
    app.close()


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def start_worker(worker_env: dict[str, str], session_dir: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory: ``start_worker(tag, env=None, concurrency=1, pool="prefork", name=None)`` -> a ready worker."""
    started: list[WorkerProcess] = []

    def _start(
        tag: str,
        env: dict[str, str] | None = None,
        concurrency: int = 1,
        pool: str = "prefork",
        name: str | None = None,
        wait: bool = True,
        timeout: float = 90.0,
        extra_args: tuple[str, ...] = (),
    ) -> WorkerProcess:
        worker = WorkerProcess(
            tag,
            {**worker_env, **(env or {})},
            session_dir,
            concurrency=concurrency,
            pool=pool,
            name=name,
            extra_args=extra_args,
        )
        started.append(worker)
        return worker.start(wait=wait, timeout=timeout)

    yield _start
    for worker in started:
        worker.stop(timeout=20)


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str, int], TcpProxy]]:
    """Factory for loopback TCP proxies whose link a test can cut (``.cut()``) and restore."""
    proxies: list[TcpProxy] = []

    def _make(host: str, port: int) -> TcpProxy:
        proxy = TcpProxy(host, port)
        proxies.append(proxy)
        return proxy

    yield _make
    for proxy in proxies:
        proxy.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # only the directory this process made (shared/__init__.py): a nested pytest (generator and fresh-clone
    # tests) inherits its parent's directory and must not delete it under the parent's feet
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if metrics_dir.endswith(f"workers-core-metrics-{os.getpid()}"):
        with contextlib.suppress(Exception):
            shutil.rmtree(metrics_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """A real S3 server (SeaweedFS ``weed server -s3``) on loopback ports, once per session."""
    server = SeaweedServer(tmp_path_factory.mktemp("seaweed")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(seaweed: SeaweedServer) -> Iterator[str]:
    """A bucket created by the test (emptied and removed afterwards)."""
    client = seaweed.client()
    name = f"wc-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    yield name
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for item in page.get("Contents", ()):
            client.delete_object(Bucket=name, Key=item["Key"])
    with contextlib.suppress(Exception):
        client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_store(seaweed: SeaweedServer, s3_bucket: str) -> S3ArtifactStore:
    """The S3 artifact store on this test's bucket, under a prefix, as ``ARTIFACT_STORE=s3://...`` builds it."""
    return S3ArtifactStore(seaweed.client(), s3_bucket, "tenant-a/artifacts", max_bytes=64 * 1024 * 1024)


# Hypothesis profiles of the property tests: bounded by default so the suite stays fast;
# HYPOTHESIS_PROFILE=slow runs many more examples (e.g. nightly).
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_HYPOTHESIS_COMMON = {"deadline": None, "suppress_health_check": [_HealthCheck.too_slow]}
_hypothesis_settings.register_profile("default", max_examples=40, **_HYPOTHESIS_COMMON)
_hypothesis_settings.register_profile("slow", max_examples=600, **_HYPOTHESIS_COMMON)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
