"""A real gateway (uvicorn on a loopback port, in a thread) for tests, SDK tests and the bench."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import uvicorn

from gateway.auth import mint_token
from gateway.config import GatewaySettings
from gateway.main import create_app
from tests.support.workers import free_port

__all__ = ["GatewayServer", "strong_secret"]


def strong_secret() -> str:
    return secrets.token_urlsafe(48)


class GatewayServer:
    """``GatewayServer(broker_url, redis_url, **settings).start()``; ``url``, ``token(...)``, ``stop()``."""

    def __init__(self, broker_url: str, redis_url: str, **overrides: Any) -> None:
        self.port = free_port()
        self.secret = overrides.pop("jwt_secret", None) or strong_secret()
        values: dict[str, Any] = {
            "RMQ_URL": broker_url,
            "REDIS_URL": redis_url,
            "jwt_secret": self.secret,
            "WORKERS_CORE_ENV": "test",
            "rate_per_second": 10_000.0,
            "rate_burst": 10_000,
            "tenant_rate_per_second": 10_000.0,
            "tenant_rate_burst": 10_000,
            "publish_timeout_s": 3.0,
            "events_poll_s": 0.1,
        }
        values.update(overrides)
        self.settings = GatewaySettings(**values)
        self.app = create_app(self.settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    def token(
        self,
        *,
        sub: str = "caller-1",
        tenant: str = "tenant-a",
        scopes: tuple[str, ...] = ("tasks:send:*",),
        ttl_s: float = 600,
        **extra: Any,
    ) -> str:
        return mint_token(self.secret, sub=sub, tenant=tenant, scopes=scopes, ttl_s=ttl_s, **extra)

    def headers(self, **token_args: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**token_args)}"}

    def start(self) -> GatewayServer:
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            loop="uvloop",
            http="httptools",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"gateway-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("gateway did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> GatewayServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
