"""``RequestContext``: correlation id in (validated) and out, structured log context, request metrics.

Pure ASGI (no per-request task or body copy). The ``X-Correlation-Id`` request header is used when it
matches ``CORRELATION_PATTERN``, a new id is generated when absent, and a malformed one is refused (400).
"""

from __future__ import annotations

import re
import time
from typing import Final

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.responses import plain_error
from gateway.ids import new_correlation_id

__all__ = ["CORRELATION_KEY", "CORRELATION_PATTERN", "ROUTE_KEY", "RequestContext"]

CORRELATION_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
CORRELATION_KEY: Final = "gateway.correlation_id"
#: the route template of a request answered outside the router (``api.fastpath``), for the metrics
ROUTE_KEY: Final = "gateway.route"


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-correlation-id")
        if given is not None and not CORRELATION_PATTERN.match(given):
            response = plain_error(
                400, "bad_request", "malformed X-Correlation-Id", {"pattern": CORRELATION_PATTERN.pattern}
            )
            await response(scope, receive, send)
            return
        correlation_id = given or new_correlation_id()
        scope[CORRELATION_KEY] = correlation_id
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        started = time.perf_counter()
        status = 500

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                if "x-correlation-id" not in headers:
                    headers["X-Correlation-Id"] = correlation_id
                self._observe(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")

    @staticmethod
    def _observe(scope: Scope, status: int, elapsed: float) -> None:
        app = scope.get("app")
        runtime = getattr(app.state, "runtime", None) if app is not None else None
        if runtime is None:
            return
        route = scope.get(ROUTE_KEY) or getattr(scope.get("route"), "path", None) or "unmatched"
        method = scope.get("method", "")
        runtime.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
        runtime.metrics.latency.labels(method=method, route=route).observe(elapsed)
