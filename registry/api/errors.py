"""Map every failure to the structured error body of ``shared.errors`` (``ErrorOut``)."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from registry.errors import AuthError, RegistryError, ScopeError, UnavailableError
from shared.errors import PayloadError
from shared.http_limits import BodyTooLarge, error_body

__all__ = ["install_error_handlers", "render_error", "render_http_error"]

log = structlog.get_logger(__name__)

_REALM = 'Bearer realm="workers-registry"'


def render_error(exc: RegistryError | PayloadError | RequestValidationError) -> JSONResponse:
    """The answer to one of our errors (also used by the heartbeat fast path, outside FastAPI)."""
    if isinstance(exc, RequestValidationError):
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse(PayloadError("request validation failed", errors=errors).to_dict(), status_code=422)
    if isinstance(exc, PayloadError):
        return JSONResponse(exc.to_dict(), status_code=422)
    headers: dict[str, str] = {}
    if isinstance(exc, ScopeError):
        scope = exc.details.get("required_scope", "")
        headers["WWW-Authenticate"] = f'{_REALM}, error="insufficient_scope", scope="{scope}"'
    elif isinstance(exc, AuthError):
        headers["WWW-Authenticate"] = f'{_REALM}, error="invalid_token"'
    elif isinstance(exc, UnavailableError):
        headers["Retry-After"] = "5"
    return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)


def _handled(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError | PayloadError | RequestValidationError)
    return render_error(exc)


def _allowed_methods(request: Request) -> str:
    """Every method of every route matching the path (Starlette only names the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def render_http_error(exc: StarletteHTTPException, allow: str | None = None) -> JSONResponse:
    """The answer to a framework HTTP error (404, 405, unreadable body, 413 from ``shared.http_limits``)."""
    if exc.status_code == 400:  # FastAPI could not even decode the body (e.g. not UTF-8): bad input
        error = PayloadError(
            "request validation failed",
            errors=[{"loc": ["body"], "msg": f"unreadable body: {exc.detail}", "type": "json_invalid"}],
        )
        return JSONResponse(error.to_dict(), status_code=422)
    if isinstance(exc, BodyTooLarge):
        return JSONResponse(error_body(413, str(exc.detail)), status_code=413)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    body = {"type": "HTTPException", "code": code, "message": str(exc.detail), "retryable": False}
    headers = dict(getattr(exc, "headers", None) or {})
    if allow is not None:
        headers["Allow"] = allow
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return render_http_error(exc, _allowed_methods(request) if exc.status_code == 405 else None)


def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("backing store unavailable", error=f"{type(exc).__name__}: {exc}")
    return render_error(UnavailableError(f"registry storage unavailable: {type(exc).__name__}"))


def install_error_handlers(app: FastAPI) -> None:
    for handled in (RegistryError, PayloadError, RequestValidationError):
        app.add_exception_handler(handled, _handled)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for exc_type in (RedisConnectionError, RedisTimeoutError, OperationalError):
        app.add_exception_handler(exc_type, _unavailable)
