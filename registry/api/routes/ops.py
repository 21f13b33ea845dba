"""Operational routes without auth: liveness, readiness (Redis + database) and Prometheus ``/metrics``."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from registry.api.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(tags=["ops"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"description": "Redis or the database is unreachable.", "content": {"application/json": {}}}},
)
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """Redis and the database answer."""
    checks: dict[str, Any] = {}
    try:
        await runtime.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not crash
        checks["redis"] = f"fail: {type(exc).__name__}"

    def ping_db() -> None:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await anyio.to_thread.run_sync(ping_db)
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"fail: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "fail", "checks": checks}, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    """`worker_count`, `worker_status`, `heartbeat_latency_seconds`, `failed_health_checks_total`, per-tag task,
    queue, memory and CPU gauges."""
    snap = await runtime.service.snapshot()
    return Response(runtime.metrics.render(snap), media_type=CONTENT_TYPE_LATEST)
