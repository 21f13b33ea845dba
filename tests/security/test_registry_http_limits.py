"""Issue 16 item 3: authentication before the body, body cap (413) and header cap (431), measured on a real
registry process (its RSS read from /proc) and on a worker's real health server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from registry.auth import SCOPE_HEARTBEAT
from shared.health import HealthServer, Probe, build_health_app
from tests.registry.helpers import free_port, wait_for
from tests.security.registry_fixtures import (  # noqa: F401 - pytest fixtures
    SECRET,
    bearer,
    registry_redis_url,
)
from tests.security.registry_wire import read_answer, send_headers, stream_body

REPO = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
TOKEN = bearer(SCOPE_HEARTBEAT, tag="ocr")["Authorization"]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(field + ":")))


@pytest.fixture(scope="module")
def registry_process(registry_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """``(pid, port)`` of ``python -m registry.cli serve`` (uvicorn + httptools, SQLite, jobs off)."""
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_JWT_SECRET": SECRET,
        "WORKERS_CORE_ENV": "test",
        "REGISTRY_PORT": str(port),
        "REGISTRY_REDIS_URL": registry_redis_url,
        "REGISTRY_JOBS_ENABLED": "false",
        "PYTHONPATH": str(REPO),
        "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('limits') / 'registry.sqlite3'}",
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def ready() -> bool:
        assert proc.poll() is None, "the registry exited"
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, 30, interval=0.2, what="the registry process")
        # warm up the heartbeat path once so its one-off allocations are not counted as growth
        httpx.patch(
            f"http://127.0.0.1:{port}/v1/workers/ocr/heartbeat",
            json={"instance_id": "ocr@warm"},
            headers={"Authorization": TOKEN},
            timeout=5,
        ).raise_for_status()
        yield proc.pid, port
    finally:
        proc.terminate()
        proc.wait(15)


def _head(method: str, path: str, *headers: str) -> bytes:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: registry", *headers, "", ""]).encode()


@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/v1/workers/ocr/heartbeat"), ("POST", "/v1/workers/ocr/instances")]
)
def test_a_400_mb_streamed_body_gets_413_without_growing_the_registry(
    registry_process: tuple[int, int], method: str, path: str
) -> None:
    pid, port = registry_process
    before = rss_kib(pid)
    sock = send_headers(
        port,
        _head(method, path, f"Authorization: {TOKEN}", "Content-Type: application/json", "Transfer-Encoding: chunked"),
    )
    with sock:
        sent = stream_body(sock, 400 * MB)
        answer = read_answer(sock)
    assert answer.status == 413, answer
    assert answer.headers["connection"] == "close"
    assert b"content_too_large" in answer.body
    assert sent < 400 * MB  # the registry stopped the upload, it did not drain it
    grown = rss_kib(pid, "VmHWM") - before
    assert grown < 20 * 1024, f"registry peak RSS grew by {grown} KiB while refusing a 400 MB body"


@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/v1/workers/ocr/heartbeat"), ("POST", "/v1/workers/ocr/instances")]
)
def test_a_declared_oversize_body_gets_413_before_a_byte_is_read(
    registry_process: tuple[int, int], method: str, path: str
) -> None:
    _, port = registry_process
    with send_headers(
        port,
        _head(method, path, f"Authorization: {TOKEN}", "Content-Type: application/json", f"Content-Length: {400 * MB}"),
    ) as sock:
        answer = read_answer(sock, timeout=5)
    assert answer.status == 413 and answer.headers["connection"] == "close"


@pytest.mark.parametrize("length", ["Content-Length: 419430400", "Transfer-Encoding: chunked"])
@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/v1/workers/ocr/heartbeat"), ("POST", "/v1/workers/ocr/instances")]
)
def test_unauthenticated_big_bodies_get_401_before_any_read(
    registry_process: tuple[int, int], method: str, path: str, length: str
) -> None:
    """Only the headers are sent: a server that read the body first would wait for it and time out."""
    _, port = registry_process
    with send_headers(port, _head(method, path, "Content-Type: application/json", length)) as sock:
        answer = read_answer(sock, timeout=5)
    assert answer.status == 401 and answer.headers["connection"] == "close"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_27_mb_authorization_header_gets_431(registry_process: tuple[int, int]) -> None:
    _, port = registry_process
    huge = "Authorization: Bearer " + "a" * (27 * MB)
    with send_headers(port, _head("PATCH", "/v1/workers/ocr/heartbeat", huge, "Content-Length: 2")) as sock:
        answer = read_answer(sock, timeout=30)
    assert answer.status == 431, answer
    assert b"request_header_fields_too_large" in answer.body
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200


@pytest.fixture
def health_server() -> Iterator[int]:
    probe = Probe(tag="ocr", liveness=lambda: {"alive": True}, readiness=[])
    server = HealthServer(build_health_app(probe, CollectorRegistry()), "127.0.0.1", free_port())
    server.start()
    yield server.port
    server.stop()


def test_worker_health_app_refuses_huge_headers(health_server: int) -> None:
    with send_headers(health_server, _head("GET", "/healthz", "X-Pad: " + "b" * (27 * MB))) as sock:
        answer = read_answer(sock, timeout=30)
    assert answer.status == 431
    assert httpx.get(f"http://127.0.0.1:{health_server}/healthz", timeout=5).status_code == 200


def test_worker_health_app_does_not_drain_bodies(health_server: int) -> None:
    with send_headers(health_server, _head("GET", "/healthz", "Transfer-Encoding: chunked")) as sock:
        sent = stream_body(sock, 64 * MB)
        answer = read_answer(sock)
    assert answer.status == 200 and answer.headers["connection"] == "close"
    assert sent < 64 * MB
