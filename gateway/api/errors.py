"""Every failure becomes ``{"error": {"code", "message", "details"}}``; rejections are counted by code."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from gateway.api.responses import error_response, plain_error
from gateway.errors import GatewayError, UnavailableError
from shared.http_limits import BodyTooLarge

__all__ = ["install_error_handlers"]

log = structlog.get_logger(__name__)


def _count(request: Request, code: str) -> None:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        runtime.metrics.rejections.labels(code=code).inc()


def _gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    _count(request, exc.code)
    return error_response(exc)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
    _count(request, "invalid_request")
    return plain_error(422, "invalid_request", "request validation failed", {"errors": errors})


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, BodyTooLarge):
        code = "payload_too_large"
    else:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    _count(request, code)
    return plain_error(exc.status_code, code, str(exc.detail))


def _redis_down(request: Request, exc: Exception) -> Response:
    log.warning("redis unavailable", error=f"{type(exc).__name__}: {exc}")
    return _gateway_error(request, UnavailableError(f"gateway storage unavailable: {type(exc).__name__}"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RedisError, _redis_down)
