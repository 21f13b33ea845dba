"""``create_app(settings)``: the gateway's FastAPI application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import __version__
from gateway.api import RequestContext, SendFastPath, install_error_handlers, router
from gateway.catalog import Catalog
from gateway.config import GatewaySettings, get_settings
from gateway.runtime import Runtime
from shared.http_limits import HTTPLimits
from shared.logging import configure_logging

__all__ = ["create_app", "process_app"]

DESCRIPTION = (
    "Task gateway of workers-core: `POST /v1/tasks/{name}` validates the body against the task's committed "
    "payload JSON Schema, publishes it with publisher confirms and answers 202 with the task id and status "
    "links; `GET /v1/tasks/{id}` and its server-sent `events` follow it to a final state.\n\n"
    "Authentication: `Authorization: Bearer <JWT>` with `sub`, `tenant`, `exp`, `iat` and scopes "
    "`tasks:send:<task>` (fnmatch patterns such as `tasks:send:efactura.*` or `tasks:send:*`) and "
    "`tasks:read`. `Idempotency-Key` makes a send safe to retry; `X-Correlation-Id` is carried into the "
    'task headers, every event and log line, and returned. Errors: `{"error": {"code", "message", "details"}}`.'
)


def create_app(settings: GatewaySettings | None = None, *, catalog: Catalog | None = None) -> FastAPI:
    """The gateway app; Redis and the broker connect on first use."""
    runtime = Runtime(settings or get_settings(), catalog=catalog)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(title="workers-core gateway", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    install_error_handlers(app)
    # outermost last: request context (correlation id, metrics), size limits, then the send fast path
    app.add_middleware(SendFastPath)
    app.add_middleware(
        HTTPLimits, max_body_bytes=runtime.settings.max_body_bytes, max_header_bytes=runtime.settings.max_header_bytes
    )
    app.add_middleware(RequestContext)
    app.include_router(router)
    return app


def process_app() -> FastAPI:
    """The factory each process of ``gateway serve --workers N`` imports. A spawned process starts with nothing of
    its parent's set-up: without this, its logs were structlog's default (console text at every level, whatever
    ``LOG_LEVEL`` and ``LOG_FORMAT`` said) and its start-up objects were left to the collector."""
    settings = get_settings()
    configure_logging(settings.log_level, "console" if settings.log_format == "console" else "json")
    app = create_app(settings)
    gc.freeze()  # start-up objects never become garbage: keep them out of every collection
    return app
