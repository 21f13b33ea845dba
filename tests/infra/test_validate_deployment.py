"""scripts/validation/validate_deployment.py against a real worker, broker and result backend on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "validation" / "validate_deployment.py"


def _http_server(status: int) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def http_endpoint() -> Iterator[Callable[[int], str]]:
    """Factory for loopback HTTP servers answering every GET with a fixed status (an ANAF stand-in)."""
    servers: list[ThreadingHTTPServer] = []

    def _start(status: int) -> str:
        server, url = _http_server(status)
        servers.append(server)
        return url

    yield _start
    for s in servers:
        s.shutdown()
        s.server_close()


def validate(*args: str, broker: str, backend: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SCRIPT), "--broker-url", broker, "--backend-url", backend, "--json", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd="/", check=False)


def report(res: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    body = res.stdout[res.stdout.index("{") :]
    return {c["check"]: c for c in json.loads(body)["checks"]}


def test_healthy_deployment_passes(
    start_worker: Callable[..., Any], broker_url: str, redis_url: str, http_endpoint: Callable[[int], str]
) -> None:
    worker = start_worker("ocr")
    anaf = http_endpoint(404)  # reachable: any HTTP answer below 500
    res = validate(
        "--queue",
        "ocr",
        "--health-url",
        worker.health_url,
        "--anaf-url",
        anaf,
        "--timeout",
        "30",
        broker=broker_url,
        backend=redis_url,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    checks = report(res)
    assert set(checks) == {"broker", "result-backend", "ping:ocr", f"health:{worker.health_url}", "anaf"}
    assert all(c["ok"] for c in checks.values())
    assert checks["ping:ocr"]["data"]["tag"] == "ocr"
    assert "validate-deployment: 5 passed, 0 failed" in res.stdout


def test_every_failure_is_reported_and_exit_is_nonzero(
    start_worker: Callable[..., Any], broker_url: str, redis_url: str, http_endpoint: Callable[[int], str]
) -> None:
    worker = start_worker("ocr")
    anaf = http_endpoint(503)
    res = validate(
        "--queue",
        "ocr",
        "--queue",
        "reges",
        "--health-url",
        worker.health_url,
        "--health-url",
        "http://127.0.0.1:9",  # discard port: nothing listens
        "--anaf-url",
        anaf,
        "--timeout",
        "8",
        broker=broker_url,
        backend=redis_url,
    )
    assert res.returncode == 1, res.stdout + res.stderr
    checks = report(res)
    assert checks["ping:ocr"]["ok"] is True  # the running worker still answers
    assert checks["ping:reges"]["ok"] is False  # nobody consumes reges
    assert "no pong" in str(checks["ping:reges"]["detail"])
    assert checks["health:http://127.0.0.1:9"]["ok"] is False
    assert checks["anaf"]["ok"] is False and checks["anaf"]["data"]["status"] == 503
    assert "FAIL ping:reges" in res.stdout and "FAIL anaf: HTTP 503" in res.stdout


def test_unreachable_broker_fails_every_ping(redis_url: str) -> None:
    res = validate(
        "--queue", "ocr", "--skip-anaf", "--timeout", "3", broker="amqp://guest:guest@127.0.0.1:1//", backend=redis_url
    )
    assert res.returncode == 1
    checks = report(res)
    assert checks["broker"]["ok"] is False
    assert checks["result-backend"]["ok"] is True
    assert checks["ping:ocr"]["detail"] == "skipped: broker unreachable"


def test_unknown_queue_is_a_usage_error(broker_url: str, redis_url: str) -> None:
    res = validate("--queue", "nope", broker=broker_url, backend=redis_url)
    assert res.returncode == 2
    assert "unknown queue(s) nope" in res.stderr
