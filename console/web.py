"""What every page, action and socket handler shares: the services, the caller, templates, answer kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from console.auth import Principal
from console.errors import NotAuthenticated
from console.services import ConsoleServices

__all__ = ["COOKIE", "HERE", "html", "principal", "services", "templates", "token_of", "wants_json"]

HERE = Path(__file__).resolve().parent
COOKIE = "console_token"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def services(request: Any) -> ConsoleServices:
    found: ConsoleServices = request.app.state.services
    return found


def token_of(request: Any) -> str | None:
    header = request.headers.get("authorization") or ""
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    cookie: str | None = request.cookies.get(COOKIE)
    return cookie


def principal(request: Request) -> Principal:
    token = token_of(request)
    if not token:
        raise NotAuthenticated("log in first")
    return services(request).verifier.verify(token)


def wants_json(request: Request) -> bool:
    return "application/json" in (request.headers.get("accept") or "") or request.url.path.startswith("/api/")


def html(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response: HTMLResponse = templates.TemplateResponse(request, template, context, status_code=status_code)
    return response
