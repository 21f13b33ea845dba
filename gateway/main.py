"""``create_app(settings)``: the gateway's FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import __version__
from gateway.api import RequestContext, install_error_handlers, router
from gateway.catalog import Catalog
from gateway.config import GatewaySettings, get_settings
from gateway.runtime import Runtime
from shared.http_limits import HTTPLimits

__all__ = ["create_app"]

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
    app.add_middleware(
        HTTPLimits, max_body_bytes=runtime.settings.max_body_bytes, max_header_bytes=runtime.settings.max_header_bytes
    )
    app.add_middleware(RequestContext)
    app.include_router(router)
    return app
