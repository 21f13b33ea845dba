"""Canary HTTP servers on loopback: they count every request, so a test can prove the registry never came."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.registry.helpers import worker_metrics

__all__ = ["Canary"]

METRICS = worker_metrics(succeeded=3, failed=0, runtime_sum=1.0, runtime_count=3).encode()


class Canary:
    """A real HTTP server on ``host`` (127.0.0.0/8): ``/metrics`` answers ``body`` (default: valid metrics),
    or a redirect to ``redirect_to``; ``hits`` lists the paths requested."""

    def __init__(
        self, host: str = "127.0.0.1", *, body: bytes = METRICS, status: int = 200, redirect_to: str | None = None
    ) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits.append(self.path)
                if redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True, name="canary").start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
