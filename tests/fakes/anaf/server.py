"""Runs the fake ANAF with uvicorn in a daemon thread on a free loopback port (used by pytest fixtures)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import httpx
import uvicorn

from tests.fakes.anaf.app import build_app
from tests.fakes.anaf.state import FakeAnafState


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeAnafServer:
    """``with FakeAnafServer() as fake: fake.url, fake.state``; stops with ``should_exit`` then ``join``."""

    def __init__(self, state: FakeAnafState | None = None, port: int | None = None):
        self.state = state or FakeAnafState()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            build_app(self.state),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, name=f"fake-anaf-{self.port}", daemon=True)

    def start(self) -> FakeAnafServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_fake/state", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("fake ANAF did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> FakeAnafServer:
        return self.start()

    def __exit__(
        self, *exc: tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]
    ) -> None:
        self.stop()
