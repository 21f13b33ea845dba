"""``HTTPLimits``: pure ASGI middleware capping request header size (431) and body size (413) for every service.

Rules, in the order a request meets them:

1. Request line + headers larger than ``max_header_bytes`` -> 431 at once; the app never runs, so a huge
   ``Authorization`` header is never decoded. (The server has parsed the headers by then: put a proxy with
   a header buffer limit in front to bound the socket side too.)
2. The app runs and decides first (authentication before the body): a 401 is answered without reading
   a byte of the body, whatever ``Content-Length`` says.
3. When the app asks for the body: a declared ``Content-Length`` above ``max_body_bytes`` -> 413 before
   any byte is read; a streamed (chunked) body is counted and cut at the cap -> 413. Nothing above the
   cap is ever buffered.
4. A response sent while the request body is still unread carries ``Connection: close``, so the server
   drops the connection instead of draining the rest of the body.

Inside FastAPI the 413 travels as an ``HTTPException`` (FastAPI re-raises those from body reading), so
the app's own handler renders it; elsewhere the middleware answers with the ``shared.errors`` body shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_HEADER_BYTES", "BodyTooLarge", "HTTPLimits", "error_body"]

DEFAULT_MAX_BODY_BYTES: Final = 64 * 1024
DEFAULT_MAX_HEADER_BYTES: Final = 16 * 1024


class BodyTooLarge(HTTPException):
    """The request body is (or is declared) larger than the cap; raised from ``receive``."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body larger than {limit} bytes")
        self.limit = limit


def error_body(status: int, message: str) -> dict[str, object]:
    """The ``shared.errors`` answer shape for the limits' own errors."""
    kind, code = {413: ("ContentTooLarge", "content_too_large")}.get(
        status, ("HeadersTooLarge", "request_header_fields_too_large")
    )
    return {"type": kind, "code": code, "message": message, "retryable": False}


def header_bytes(scope: Scope) -> int:
    """Bytes of the request target and header fields as they travelled (``name: value\\r\\n`` each)."""
    target = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(scope.get("query_string", b""))
    return target + sum(len(name) + len(value) + 4 for name, value in scope.get("headers", ()))


@dataclass
class _Body:
    """Per-request state: declared length, bytes received so far, whether the body is complete."""

    declared: int | None
    has_body: bool
    received: int = 0
    complete: bool = False
    cut: bool = False


def _body_state(scope: Scope) -> _Body:
    headers = Headers(scope=scope)
    raw = headers.get("content-length")
    declared = int(raw) if raw is not None and raw.strip().isdigit() else None
    chunked = "transfer-encoding" in headers
    return _Body(declared=declared, has_body=chunked or bool(declared), complete=not (chunked or declared))


class HTTPLimits:
    """Caps headers and body of HTTP requests (see the module docstring); other scopes pass through."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if header_bytes(scope) > self.max_header_bytes:
            message = f"request line and headers larger than {self.max_header_bytes} bytes"
            await _close_with(scope, receive, send, 431, message)
            return
        body = _body_state(scope)
        started = False

        async def limited_receive() -> Message:
            if body.declared is not None and body.declared > self.max_body_bytes:
                body.cut = True
                raise BodyTooLarge(self.max_body_bytes)
            message = await receive()
            if message["type"] == "http.request":
                body.received += len(message.get("body", b""))
                body.complete = not message.get("more_body", False)
                if body.received > self.max_body_bytes:
                    body.cut = True
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def closing_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if body.cut or (body.has_body and not body.complete):
                    message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, limited_receive, closing_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _close_with(scope, receive, send, 413, str(exc.detail))


async def _close_with(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response = JSONResponse(error_body(status, message), status_code=status, headers={"connection": "close"})
    await response(scope, receive, send)
