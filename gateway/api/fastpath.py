"""ASGI fast path for ``POST /v1/tasks/{name}``: the route's own steps without the framework's per-request
machinery (routing, dependency solving, the exception middleware).

It calls what the FastAPI route it shadows (``routes.post_task``, which documents the operation in OpenAPI and
serves it when ``GATEWAY_SEND_FAST_PATH=false``) calls: ``bearer_caller`` then ``service.send_task`` and
``accepted_response``; errors are rendered by the same functions. It runs inside ``RequestContext`` (correlation
id, logs, metrics) and ``HTTPLimits`` (413/431), like the routes.
"""

from __future__ import annotations

import re
from typing import Final

from redis.exceptions import RedisError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.middleware import CORRELATION_KEY, ROUTE_KEY
from gateway.api.responses import accepted_response, error_response, plain_error
from gateway.auth import Caller
from gateway.errors import AuthError, GatewayError, UnavailableError
from gateway.runtime import Runtime
from gateway.service import send_task

__all__ = ["SEND_ROUTE", "SendFastPath", "bearer_caller"]

SEND_ROUTE: Final = "/v1/tasks/{name}"
_PATH: Final = re.compile(r"^/v1/tasks/([^/]+)$")


def bearer_caller(headers: Headers, runtime: Runtime) -> Caller:
    """The verified caller of ``Authorization: Bearer <JWT>`` (401 otherwise)."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing bearer token (Authorization: Bearer <JWT>)")
    return runtime.verifier.verify(token.strip())


async def _answer(scope: Scope, receive: Receive, name: str, runtime: Runtime) -> Response:
    try:
        request = Request(scope, receive)
        caller = bearer_caller(request.headers, runtime)
        raw = await request.body()
        sent = await send_task(
            runtime,
            caller,
            name,
            raw,
            idempotency_key=request.headers.get("idempotency-key"),
            correlation_id=scope[CORRELATION_KEY],
        )
        return accepted_response(sent.answer, replayed=sent.replayed)
    except RedisError as exc:
        error: GatewayError = UnavailableError(f"gateway storage unavailable: {type(exc).__name__}")
    except GatewayError as exc:
        error = exc
    except HTTPException as exc:  # the body cap of shared.http_limits (413)
        runtime.metrics.rejections.labels(code="payload_too_large").inc()
        return plain_error(exc.status_code, "payload_too_large", str(exc.detail))
    runtime.metrics.rejections.labels(code=error.code).inc()
    return error_response(error)


class SendFastPath:
    """Pure ASGI middleware: answers task sends itself, passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = _PATH.match(scope["path"])
        runtime: Runtime | None = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
        if match is None or runtime is None or not runtime.settings.send_fast_path:
            await self.app(scope, receive, send)
            return
        scope[ROUTE_KEY] = SEND_ROUTE
        response = await _answer(scope, receive, match.group(1), runtime)
        await response(scope, receive, send)
