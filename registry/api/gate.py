"""``BearerGate``: authenticate ``/v1`` requests that carry a body before anything reads it.

FastAPI reads a route's body before it solves the route's dependencies, so without this gate an
unauthenticated caller could make the registry read (up to the size cap) and parse a body. The gate
verifies the bearer token first (401 at once otherwise) and leaves the principal in the request scope,
where ``deps.authenticate`` finds it; scope and tag checks stay with the routes.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from registry.api.deps import authenticate
from registry.api.errors import render_error
from registry.errors import AuthError

__all__ = ["BearerGate"]


def _has_body(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() not in ("", "0")


class BearerGate:
    """Pure ASGI middleware in front of the fast path and the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
        if scope["type"] == "http" and runtime is not None and scope["path"].startswith("/v1/") and _has_body(scope):
            try:
                authenticate(scope, runtime.verifier)
            except AuthError as exc:
                await render_error(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)
