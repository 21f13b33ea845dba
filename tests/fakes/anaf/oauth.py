"""Fake logincert.anaf.ro OAuth2 (authorize, token + rotation, revoke wall) and api.anaf.ro's bearer guard."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse

router = APIRouter()


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password
        except (ValueError, UnicodeDecodeError):
            return None, None
    return form.get("client_id"), form.get("client_secret")


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


@router.get("/anaf-oauth2/v1/authorize")
def authorize(
    request: Request,
    response_type: str = "",
    client_id: str = "",
    redirect_uri: str = "",
    state: str | None = None,
) -> Any:
    """Stands in for the browser + qualified certificate step: approves at once and redirects with a code."""
    anaf = request.app.state.anaf
    with anaf.lock:
        client = anaf.clients.get(client_id)
        if response_type != "code" or client is None or redirect_uri not in client["redirect_uris"]:
            return PlainTextResponse("invalid_request", status_code=400)
        code = anaf.issue_code(client_id, redirect_uri)
    params = {"code": code, **({"state": state} if state else {})}
    return RedirectResponse(f"{redirect_uri}?{urlencode(params)}", status_code=302)


@router.post("/anaf-oauth2/v1/token")
async def token(request: Request) -> JSONResponse:
    anaf = request.app.state.anaf
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    client_id, secret = _client_credentials(request, form)
    with anaf.lock:
        grant = form.get("grant_type", "")
        anaf.token_calls.append({"grant_type": grant, "at": anaf.now(), "form": form})
        client = anaf.clients.get(client_id or "")
        if client is None or client["secret"] != secret:
            return _oauth_error("invalid_client", "Client authentication failed", 401)
        if grant == "authorization_code":
            code = anaf.codes.pop(form.get("code", ""), None)
            if code is None or code["client_id"] != client_id or anaf.now() - code["issued_at"] > 60:
                return _oauth_error("invalid_grant", "Invalid or expired authorization code")
            if form.get("redirect_uri") != code["redirect_uri"]:
                return _oauth_error("invalid_grant", "redirect_uri does not match")
            return JSONResponse(anaf.issue_tokens(client_id))
        if grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            claims = anaf.decode(refresh, "refresh")
            if claims is None or refresh not in anaf.live_refresh or claims.get("clientappid") != client_id:
                return _oauth_error("invalid_grant", "Invalid refresh token")
            if anaf.config.rotate_refresh_tokens:
                anaf.live_refresh.discard(refresh)
            return JSONResponse(anaf.issue_tokens(client_id))
        return _oauth_error("unsupported_grant_type", f"grant_type {grant!r} is not supported")


@router.post("/anaf-oauth2/v1/revoke")
def revoke() -> RedirectResponse:
    """ANAF's revoke lands on the F5 APM login wall for headless callers (ANAF.md §2.1)."""
    return RedirectResponse("/my.policy", status_code=302)


def require_bearer(request: Request) -> dict[str, Any]:
    """Guard of api.anaf.ro routes: a valid access JWT (else 403) and 1000 calls/min (else 429)."""
    anaf = request.app.state.anaf
    header = request.headers.get("authorization", "")
    token_value = header[7:] if header.lower().startswith("bearer ") else ""
    with anaf.lock:
        claims = anaf.decode(token_value, "access") if token_value else None
        if claims is None or claims.get("jti") in anaf.revoked_access:
            raise HTTPException(status_code=403, detail="Access Denied")
        if not anaf.api_call_allowed():
            raise HTTPException(status_code=429, detail="Too Many Requests", headers={"Retry-After": "60"})
    return claims


@router.get("/TestOauth/jaxrs/hello")
def hello(request: Request, name: str = "") -> PlainTextResponse:
    require_bearer(request)
    return PlainTextResponse(f"Hello {name}")
