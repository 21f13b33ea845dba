"""``/_fake/*``: test-only routes to read and steer the fake (not part of ANAF's API)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

router = APIRouter(prefix="/_fake")


@router.get("/state")
def state(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.anaf.snapshot())


@router.post("/config")
async def config(request: Request) -> JSONResponse:
    anaf = request.app.state.anaf
    data: dict[str, Any] = await request.json()
    with anaf.lock:
        try:
            anaf.config.update(data)
        except KeyError as exc:
            return JSONResponse({"error": f"unknown knob {exc}"}, status_code=400)
    return JSONResponse({"ok": True})


@router.get("/signing-cert")
def signing_cert(request: Request) -> Response:
    return Response(request.app.state.anaf.identity.certificate_pem, media_type="application/x-pem-file")


@router.post("/authorize-code")
async def authorize_code(request: Request) -> JSONResponse:
    """A fresh authorization code, as the browser step would produce (for scripted bootstrap demos)."""
    anaf = request.app.state.anaf
    data = await request.json()
    with anaf.lock:
        code = anaf.issue_code(
            data.get("client_id", "fake-client-id"),
            data.get("redirect_uri", "https://localhost:8443/callback"),
        )
    return JSONResponse({"code": code})
