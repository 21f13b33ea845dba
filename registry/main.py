"""``create_app(settings)``: the registry's FastAPI application (lifespan opens and closes the runtime)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from registry import __version__
from registry.api import BearerGate, HeartbeatFastPath, api_router, install_error_handlers
from registry.auth import SCOPES
from registry.config import RegistrySettings, get_settings
from registry.runtime import Runtime
from registry.scoring import FORMULA
from shared.http_limits import HTTPLimits

__all__ = ["create_app"]

DESCRIPTION = (
    "Worker Registry of workers-core: instances of every worker tag register, heartbeat and unregister; "
    "the registry detects failures (running/idle -> error -> stopped -> removed), scrapes each instance's "
    "`/metrics`, scores health 0-100 and serves discovery, topology and KEDA scaling hints.\n\n"
    "Authentication: `Authorization: Bearer <JWT>`; scopes: "
    + "; ".join(f"`{name}`: {text}" for name, text in SCOPES.items())
    + f"\n\nHealth score: {FORMULA}"
)


def create_app(
    settings: RegistrySettings | None = None,
    *,
    clock: Callable[[], float] = time.time,
    scrape_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The registry app; nothing connects until the lifespan starts."""
    runtime = Runtime(settings or get_settings(), clock=clock, scrape_transport=scrape_transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.open()
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(
        title="workers-core registry",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    # outermost last: size limits, then authentication before any body is read, then the heartbeat fast path
    app.add_middleware(HeartbeatFastPath)
    app.add_middleware(BearerGate)
    app.add_middleware(
        HTTPLimits, max_body_bytes=runtime.settings.max_body_bytes, max_header_bytes=runtime.settings.max_header_bytes
    )
    app.include_router(api_router)
    return app
