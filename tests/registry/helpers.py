"""Test helpers for the registry: a settable clock, payloads, a real /metrics server, uvicorn in a thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import redis
import uvicorn
from fastapi import FastAPI

from shared import keys


def status_row(tag: str, instance_id: str, row_id: str, seen: datetime) -> dict[str, Any]:
    """A ``worker_status`` row of a running instance last seen (and registered, and updated) at ``seen``."""
    return {
        "id": row_id,
        "tag": tag,
        "instance_id": instance_id,
        "version": "1.0.0",
        "status": "running",
        "reason": None,
        "health_endpoint": None,
        "health_score": 100,
        "scrape_failures": 0,
        "metrics": {},
        **dict.fromkeys(("registered_at", "last_seen", "status_since", "updated_at"), seen),
        "last_scrape_at": None,
    }


class FakeClock:
    """A clock the test moves forward (injected into the service; time itself is never patched)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = start if start is not None else time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def payload(instance_id: str = "ocr@host-1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"instance_id": instance_id, "version": "1.2.3"}
    body.update(extra)
    return body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MetricsServer:
    """A real HTTP server on loopback that plays a worker's health app: ``/metrics`` returns ``text``.

    ``fail_next`` makes the next N requests answer 500; ``delay`` sleeps before answering (timeouts).
    """

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.fail_next = 0
        self.fail_always = False
        self.delay = 0.0
        self.content_type = "text/plain; version=0.0.4; charset=utf-8"
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                if outer.delay:
                    time.sleep(outer.delay)
                if outer.fail_always or outer.fail_next > 0:
                    outer.fail_next = max(outer.fail_next - 1, 0)
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"boom")
                    return
                body = outer.text.encode()
                self.send_response(200 if self.path == "/metrics" else 404)
                self.send_header("Content-Type", outer.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def worker_metrics(
    *,
    succeeded: float,
    failed: float,
    runtime_sum: float,
    runtime_count: float,
    cpu: float = 1.5,
    rss: float = 123456789,
) -> str:
    """A Prometheus text document shaped like a worker health app's ``/metrics``."""
    return f"""# HELP celery_task_succeeded_total Tasks that succeeded
# TYPE celery_task_succeeded_total counter
celery_task_succeeded_total{{name="ocr.extract",hostname="ocr@h",queue_name="ocr"}} {succeeded}
celery_task_succeeded_total{{name="ocr.ping",hostname="ocr@h",queue_name="ocr"}} 0.0
# HELP celery_task_failed_total Tasks that failed for good
# TYPE celery_task_failed_total counter
celery_task_failed_total{{name="ocr.extract",hostname="ocr@h",queue_name="ocr",exception="X"}} {failed}
# HELP celery_task_runtime_seconds Task runtime
# TYPE celery_task_runtime_seconds histogram
celery_task_runtime_seconds_bucket{{name="ocr.extract",hostname="ocr@h",queue_name="ocr",le="1.0"}} {runtime_count}
celery_task_runtime_seconds_bucket{{name="ocr.extract",hostname="ocr@h",queue_name="ocr",le="+Inf"}} {runtime_count}
celery_task_runtime_seconds_sum{{name="ocr.extract",hostname="ocr@h",queue_name="ocr"}} {runtime_sum}
celery_task_runtime_seconds_count{{name="ocr.extract",hostname="ocr@h",queue_name="ocr"}} {runtime_count}
# HELP process_cpu_seconds_total CPU
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total {cpu}
# HELP process_resident_memory_bytes RSS
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes {rss}
"""


class ThreadServer:
    """uvicorn serving an app in a daemon thread (no signal handlers); restartable on the same port."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 15.0) -> ThreadServer:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(target=server.run, daemon=True, name="registry-uvicorn")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("registry server did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout)
        self._server = None
        self._thread = None


@contextmanager
def subscribe_events(redis_url: str) -> Iterator[Callable[..., list[dict[str, Any]]]]:
    """Subscribe to ``wrk:events``; yields ``collect(timeout) -> [event, ...]`` (everything until quiet)."""
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(keys.EVENTS_CHANNEL)
    deadline = time.monotonic() + 5
    while pubsub.get_message(timeout=0.05) is None and time.monotonic() < deadline:
        if pubsub.subscribed:
            break

    def collect(timeout: float = 0.5, until: int | None = None) -> list[dict[str, Any]]:
        """Events for ``timeout`` s, or until ``until`` of them came (a loaded machine publishes late)."""
        out: list[dict[str, Any]] = []
        end = time.monotonic() + timeout
        while time.monotonic() < end and (until is None or len(out) < until):
            message = pubsub.get_message(timeout=0.05)
            if message and message["type"] == "message":
                out.append(json.loads(message["data"]))
        return out

    try:
        yield collect
    finally:
        pubsub.close()
        client.close()


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
