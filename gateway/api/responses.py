"""orjson responses (faster than the stdlib encoder on the hot path) and the error answer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from gateway.errors import GatewayError, RateLimitedError, ScopeError, error_body

__all__ = ["error_response", "json_response"]

_REALM = 'Bearer realm="workers-core-gateway"'


def json_response(content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status_code=status_code, headers=headers, media_type="application/json")


def error_response(exc: GatewayError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    elif isinstance(exc, ScopeError):
        headers["WWW-Authenticate"] = f'{_REALM}, error="insufficient_scope"'
    elif exc.status_code == 401:
        headers["WWW-Authenticate"] = f'{_REALM}, error="invalid_token"'
    elif exc.status_code == 503:
        headers["Retry-After"] = "5"
    return json_response(exc.body(), exc.status_code, headers)


def plain_error(status: int, code: str, message: str, details: Mapping[str, Any] | None = None) -> Response:
    return json_response(error_body(code, message, details), status)
