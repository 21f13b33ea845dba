"""The console's FastAPI app: server-rendered pages (Jinja2), a small vanilla JS file, a WebSocket for live workers.

Authentication on every request (``Authorization: Bearer`` or the HttpOnly ``console_token`` cookie set by the
login page), role checks on the server for every action, an audit row for every action attempted.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from console import __version__
from console.config import ConsoleSettings, get_settings
from console.database import require_head
from console.errors import ConsoleError, NotAuthenticated
from console.services import ConsoleServices
from console.web import HERE, templates, wants_json
from console.web_actions import router as actions_router
from console.web_live import router as live_router
from console.web_pages import router as pages_router

__all__ = ["create_app"]


def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if wants_json(request):
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=exc.status)
    if isinstance(exc, NotAuthenticated):
        return RedirectResponse(f"/login?next={quote(request.url.path)}&notice={quote(str(exc))}", status_code=303)
    return templates.TemplateResponse(
        request, "error.html", {"status": exc.status, "detail": str(exc), "me": None}, status_code=exc.status
    )


def create_app(settings: ConsoleSettings | None = None, *, check_schema: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = ConsoleServices.build(settings)
        if check_schema:
            require_head(built.engine)
        app.state.services = built
        yield
        await built.close()

    app = FastAPI(
        title="workers-core console",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_exception_handler(ConsoleError, _on_error)

    app.include_router(pages_router)
    app.include_router(actions_router)
    app.include_router(live_router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
