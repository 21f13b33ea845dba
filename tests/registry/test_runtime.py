"""The running service: background jobs on their timers (leader lock), the CLI, and the embedded SQLite backend."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from fastapi.testclient import TestClient

from registry import repository
from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ, TokenVerifier
from registry.cli import cli
from registry.config import RegistrySettings
from registry.jobs import JobRunner, PeriodicJob
from registry.main import create_app
from registry.runtime import Runtime
from tests.registry.conftest import SECRET
from tests.registry.helpers import FakeClock, free_port, payload, wait_for

REPO = Path(__file__).resolve().parents[2]


def test_jobs_run_on_their_timers_and_flush_heartbeats(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, auth: Callable[..., dict[str, str]]
) -> None:
    settings = make_settings(
        jobs_enabled=True,
        flush_interval=0.1,
        sweep_interval=0.1,
        healthcheck_interval=0.1,
        queue_poll_interval=0.1,
        rmq_url="amqp://guest:guest@127.0.0.1:1//",
    )
    with TestClient(create_app(settings)) as client:
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        client.patch("/v1/workers/ocr/heartbeat", json=payload("ocr@timer"), headers=auth(SCOPE_HEARTBEAT, tag="ocr"))
        wait_for(lambda: repository.count_rows(runtime.db.engine) == 1, 5, what="the write-behind flush")
        wait_for(
            lambda: runtime.jobs.runs["sweep"] >= 2 and runtime.jobs.runs["healthcheck"] >= 2,
            5,
            what="sweep and health-check runs",
        )
        assert runtime.jobs.runs["queues"] == 0  # the broker is unreachable: each run fails, is logged, goes on
    assert runtime.jobs._tasks == []


async def _leader_lock(settings: RegistrySettings) -> tuple[bool, bool, bool, int]:
    runtime = Runtime(settings)
    await runtime.open()
    calls: list[int] = []

    async def job() -> None:
        calls.append(1)

    a = JobRunner(runtime.store, [])
    b = JobRunner(runtime.store, [])
    spec = PeriodicJob("test-leader", 0.5, job)
    first, second = await a.run_now(spec), await b.run_now(spec)
    free = await b.run_now(PeriodicJob("test-free", 0.5, job, leader=False))
    await runtime.close()
    return first, second, free, len(calls)


def test_leader_lock_lets_one_replica_run_a_job(
    make_settings: Callable[..., RegistrySettings], clean_registry: None
) -> None:
    assert asyncio.run(_leader_lock(make_settings())) == (True, False, True, 2)


def test_sqlite_backend_end_to_end(
    tmp_path: Path, registry_redis_url: str, clean_registry: None, auth: Callable[..., dict[str, str]]
) -> None:
    clock = FakeClock()
    settings = RegistrySettings(
        database_url=f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        redis_url=registry_redis_url,
        jwt_secret=SECRET,
        jobs_enabled=False,
        workers_core_env="test",
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        client.post("/v1/workers/reges/instances", json=payload("reges@1"), headers=auth(SCOPE_HEARTBEAT, tag="reges"))
        client.patch("/v1/workers/reges/heartbeat", json=payload("reges@2"), headers=auth(SCOPE_HEARTBEAT, tag="reges"))
        assert client.portal.call(runtime.service.flush) == 2  # type: ignore[union-attr]
        clock.advance(settings.error_after + 1)
        assert client.portal.call(runtime.service.sweep)["error"] == 2  # type: ignore[union-attr]
        rows = {r["instance_id"]: r for r in repository.load_rows(runtime.db.engine)}
        assert {k: r["status"] for k, r in rows.items()} == {"reges@1": "error", "reges@2": "error"}
        assert rows["reges@1"]["last_seen"].tzinfo is not None
        listed = client.get("/v1/workers/reges", headers=auth(SCOPE_READ)).json()
        assert [i["status"] for i in listed["instances"]] == ["error", "error"]


def test_cli_token_and_default_serve(tmp_path: Path, registry_redis_url: str, clean_registry: None) -> None:
    env = {"REGISTRY_JWT_SECRET": SECRET, "WORKERS_CORE_ENV": "test"}
    from registry.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["token", "--sub", "ocr", "--scope", "workers:heartbeat", "--tag", "ocr", "--ttl", "60"], env=env
        )
        assert result.exit_code == 0, result.output
        principal = TokenVerifier(RegistrySettings(jwt_secret=SECRET, workers_core_env="test")).verify(
            result.output.strip()
        )
        assert principal.subject == "ocr" and SCOPE_HEARTBEAT in principal.scopes and principal.tag == "ocr"
    finally:
        get_settings.cache_clear()

    # `workers-core registry` without a sub-command starts the service (uvicorn)
    port = free_port()
    proc_env = {
        **os.environ,
        **env,
        "REGISTRY_PORT": str(port),
        "REGISTRY_REDIS_URL": registry_redis_url,
        "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "PYTHONPATH": str(REPO),
        "REGISTRY_JOBS_ENABLED": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry.cli"],
        cwd=tmp_path,
        env=proc_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def ready() -> Any:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                return False

        wait_for(ready, 30, interval=0.2, what="the registry to serve")
        assert httpx.get(f"http://127.0.0.1:{port}/v1/workers", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(15)
    assert (tmp_path / "served.sqlite3").exists()


def test_token_with_private_key(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "k.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    from registry.config import get_settings

    get_settings.cache_clear()
    try:
        env = {
            "REGISTRY_JWT_PUBLIC_KEY": public,
            "REGISTRY_JWT_ALGORITHMS": "RS256",
            "WORKERS_CORE_ENV": "test",
            "REGISTRY_JWT_SECRET": "",
        }
        result = CliRunner().invoke(
            cli, ["token", "--sub", "dash", "--scope", "workers:read", "--private-key-file", str(pem)], env=env
        )
        assert result.exit_code == 0, result.output
        verifier = TokenVerifier(
            RegistrySettings(jwt_public_key=public, jwt_algorithms=["RS256"], workers_core_env="test")
        )
        assert verifier.verify(result.output.strip()).subject == "dash"
    finally:
        get_settings.cache_clear()
