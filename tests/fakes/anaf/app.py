"""Builds the fake ANAF app: registry, OAuth, e-Factura, control routes, plus sibling fakes when present.

Composable: ``build_app`` includes the ``router`` of every module listed in ``ROUTER_MODULES`` that exists,
so ``tests/fakes/anaf/etransport.py`` and ``tests/fakes/anaf/reges.py`` (written separately) plug in by
defining ``router = APIRouter()``. Routes reach the shared state as ``request.app.state.anaf``
(``FakeAnafState``) and guard api.anaf.ro calls with ``Depends(tests.fakes.anaf.oauth.require_bearer)``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse

from tests.fakes.anaf.state import RO_TZ, FakeAnafState

ROUTER_MODULES = (
    "tests.fakes.anaf.registry",
    "tests.fakes.anaf.oauth",
    "tests.fakes.anaf.efactura",
    "tests.fakes.anaf.control",
    "tests.fakes.anaf.etransport",
    "tests.fakes.anaf.reges",
)


def build_app(state: FakeAnafState | None = None) -> FastAPI:
    """A FastAPI app serving every fake ANAF surface over one loopback port."""
    app = FastAPI(title="fake ANAF", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.anaf = state or FakeAnafState()

    @app.middleware("http")
    async def _record(request: Request, call_next: Any) -> Any:
        if not request.url.path.startswith("/_fake"):
            app.state.anaf.requests.append(f"{request.method} {request.url.path}")
        return await call_next(request)

    @app.exception_handler(HTTPException)
    async def _spring_error(request: Request, exc: HTTPException) -> JSONResponse:  # api.anaf.ro error shape
        body: dict[str, Any] = {
            "timestamp": dt.datetime.now(RO_TZ).strftime("%d-%m-%Y %H:%M:%S"),
            "status": exc.status_code,
            "error": str(exc.detail),
            "message": str(exc.detail),
            "path": request.url.path,
        }
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    for name in ROUTER_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    return app
