"""``/v1`` routes: workers (list, per tag, health, register, heartbeat, unregister, remove), discovery, scaling."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from registry.api.deps import (
    AdminScope,
    HeartbeatScope,
    InstancePath,
    ReadScope,
    RuntimeDep,
    TagPath,
    authorize,
    forbid_unknown_query,
)
from registry.auth import SCOPE_HEARTBEAT
from registry.discovery import discover, topology
from registry.models import WorkerState
from registry.runtime import Runtime
from registry.schemas import (
    DiscoveryOut,
    ErrorOut,
    HeartbeatAck,
    HeartbeatPayload,
    ScalingListOut,
    ScalingOut,
    TagHealthOut,
    TopologyOut,
    WorkerListOut,
    WorkerTagOut,
)

__all__ = ["hot_router", "router"]

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, malformed, expired or wrongly signed token."},
    403: {"model": ErrorOut, "description": "The token lacks the scope this route needs."},
    422: {"model": ErrorOut, "description": "Invalid path, query or body (`errors` lists loc/msg/type)."},
    503: {"model": ErrorOut, "description": "Redis or the database is unreachable; retry later."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Unknown tag or instance."}}

router = APIRouter(prefix="/v1", responses=_AUTH, dependencies=[Depends(forbid_unknown_query)])
#: the heartbeat route does its checks inline (see ``heartbeat``), so it gets no router dependencies
hot_router = APIRouter(prefix="/v1", responses=_AUTH)


def _json(content: Any, status_code: int = 200) -> Response:
    """JSON response of a model or of a dict shaped like one (serialized by pydantic-core, dates as ISO 8601)."""
    body = content.model_dump_json() if isinstance(content, BaseModel) else to_json(content)
    return Response(body, status_code=status_code, media_type="application/json")


@router.get("/workers", response_model=WorkerListOut, tags=["workers"], summary="List workers")
async def list_workers(
    runtime: RuntimeDep, _: ReadScope,
    status_filter: Annotated[WorkerState | None, Query(alias="status", description="Only instances in this status.")] = None,
) -> Response:
    """Every tag with its aggregate and instances. Scope `workers:read`."""
    return _json(await runtime.service.list_workers(status=status_filter))


@router.get("/workers/{tag}", response_model=WorkerTagOut, responses=_NOT_FOUND, tags=["workers"], summary="One tag")
async def get_workers(tag: TagPath, runtime: RuntimeDep, _: ReadScope) -> Response:
    """The instances of a tag and their aggregate. Scope `workers:read`."""
    return _json(await runtime.service.get_workers(tag))


@router.get(
    "/workers/{tag}/health", response_model=TagHealthOut, responses=_NOT_FOUND, tags=["workers"], summary="Health"
)
async def get_health(tag: TagPath, runtime: RuntimeDep, _: ReadScope) -> Response:
    """Aggregate health score (0-100) of a tag and each instance's score with its factors. Scope `workers:read`."""
    return _json(await runtime.service.get_health(tag))


@router.post(
    "/workers/{tag}/instances", response_model=HeartbeatAck, status_code=status.HTTP_201_CREATED,
    tags=["heartbeats"], summary="Register an instance",
)
async def register(tag: TagPath, payload: HeartbeatPayload, runtime: RuntimeDep, _: HeartbeatScope) -> Response:
    """A worker instance (re)starting. Scope `workers:heartbeat`."""
    return _json(await runtime.service.register(tag, payload), status.HTTP_201_CREATED)


_HEARTBEAT_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HeartbeatPayload"}}},
    },
    "security": [{"bearer": []}],
}


@hot_router.patch(
    "/workers/{tag}/heartbeat", response_model=HeartbeatAck, tags=["heartbeats"], summary="Heartbeat",
    openapi_extra=_HEARTBEAT_DOC,
)
async def heartbeat(tag: TagPath, request: Request) -> Response:
    """An instance is alive (every 30 s); unknown instances are registered. Scope `workers:heartbeat`."""
    # The hot path: auth and body are handled here rather than by FastAPI's dependency machinery,
    # which costs more than the Redis round trip itself (same checks, same errors; see deps.authorize).
    started = time.perf_counter()
    authorize(request, SCOPE_HEARTBEAT)
    await forbid_unknown_query(request)
    try:
        payload = HeartbeatPayload.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        ) from exc
    runtime: Runtime = request.app.state.runtime
    ack = await runtime.service.heartbeat(tag, payload)
    runtime.metrics.heartbeat_latency.labels(tag).observe(time.perf_counter() - started)
    return _json(ack)


@router.delete(
    "/workers/{tag}/instances/{instance_id}", response_model=HeartbeatAck, responses=_NOT_FOUND,
    tags=["heartbeats"], summary="Unregister an instance",
)
async def unregister(tag: TagPath, instance_id: InstancePath, runtime: RuntimeDep, _: HeartbeatScope) -> Response:
    """Graceful shutdown: the instance becomes `stopped`. Scope `workers:heartbeat`."""
    return _json(await runtime.service.unregister(tag, instance_id))


@router.delete("/workers/{tag}", responses=_NOT_FOUND, tags=["workers"], summary="Remove a tag")
async def remove_tag(tag: TagPath, runtime: RuntimeDep, _: AdminScope) -> dict[str, Any]:
    """Forget a tag and all its instances (live ones re-register on their next heartbeat). Scope `workers:admin`."""
    return {"tag": tag, "removed": await runtime.service.remove_tag(tag)}


@router.get(
    "/discovery/{tag}", response_model=DiscoveryOut, responses=_NOT_FOUND, tags=["discovery"], summary="Discover"
)
async def discovery(
    tag: TagPath, runtime: RuntimeDep, _: ReadScope,
    min_score: Annotated[int | None, Query(ge=0, le=100, description="Minimum health score.")] = None,
) -> Response:
    """Healthy running instances of a tag, best health score first, with balancing weights. Scope `workers:read`."""
    snap = await runtime.service.snapshot(tag)
    if not snap.by_tag.get(tag):
        from registry.errors import NotFoundError

        raise NotFoundError(f"no worker tag {tag!r}")
    threshold = runtime.settings.discovery_min_score if min_score is None else min_score
    return _json(discover(snap, tag, min_score=threshold))


@router.get("/topology", response_model=TopologyOut, tags=["discovery"], summary="Topology map")
async def get_topology(runtime: RuntimeDep, _: ReadScope) -> Response:
    """Tags with their queue and instances, and which instances run on which host. Scope `workers:read`."""
    return _json(topology(await runtime.service.snapshot()))


@router.get("/scaling", response_model=ScalingListOut, tags=["scaling"], summary="Scaling hints")
async def scaling_all(runtime: RuntimeDep, _: ReadScope) -> Response:
    """Desired replicas of every known tag. Scope `workers:read`."""
    snap = await runtime.service.snapshot()
    hints = [await runtime.advisor.recommend(snap, tag) for tag in sorted(snap.by_tag)]
    return _json({"generated_at": snap.generated_at, "tags": hints})


@router.get("/scaling/{tag}", response_model=ScalingOut, tags=["scaling"], summary="Scaling hint of a tag")
async def scaling_tag(tag: TagPath, runtime: RuntimeDep, _: ReadScope) -> Response:
    """Desired replicas of a tag for KEDA's metrics-api scaler (`valueLocation: desired_replicas`).
    Scope `workers:read`."""
    snap = await runtime.service.snapshot(tag)
    return _json(await runtime.advisor.recommend(snap, tag))
