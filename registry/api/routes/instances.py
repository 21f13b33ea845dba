"""``/v1/workers/{tag}/instances`` and ``/heartbeat``: a worker's own registration, heartbeats and unregistration.

Every write checks the token's tag binding with ``Principal.require_worker``; the heartbeat route runs
``admission.accept_heartbeat``, the same code as the ASGI fast path that normally answers it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status

from registry.api.admission import accept_heartbeat, peer_of
from registry.api.deps import HeartbeatScope, InstancePath, RuntimeDep, TagPath, forbid_unknown_query
from registry.api.responses import AUTH_ERRORS, NOT_FOUND, json_response
from registry.schemas import HeartbeatAck, HeartbeatPayload

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["heartbeats"], responses=AUTH_ERRORS)

_HEARTBEAT_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HeartbeatPayload"}}},
    },
    "security": [{"bearer": []}],
}


@router.post(
    "/workers/{tag}/instances",
    response_model=HeartbeatAck,
    status_code=status.HTTP_201_CREATED,
    summary="Register an instance",
    dependencies=[Depends(forbid_unknown_query)],
)
async def register(
    tag: TagPath, payload: HeartbeatPayload, request: Request, runtime: RuntimeDep, principal: HeartbeatScope
) -> Response:
    """A worker instance (re)starting. Scope `workers:heartbeat`."""
    principal.require_worker(tag, payload.instance_id)
    ack = await runtime.service.register(tag, payload, peer=peer_of(request.scope))
    return json_response(ack, status.HTTP_201_CREATED)


@router.patch(
    "/workers/{tag}/heartbeat",
    response_model=HeartbeatAck,
    summary="Heartbeat",
    openapi_extra=_HEARTBEAT_DOC,
)
async def heartbeat(tag: TagPath, request: Request, runtime: RuntimeDep) -> Response:
    """An instance is alive (every 30 s); unknown instances are registered. Scope `workers:heartbeat`."""
    return Response(await accept_heartbeat(request, tag, runtime), media_type="application/json")


@router.delete(
    "/workers/{tag}/instances/{instance_id}",
    response_model=HeartbeatAck,
    responses=NOT_FOUND,
    summary="Unregister an instance",
    dependencies=[Depends(forbid_unknown_query)],
)
async def unregister(
    tag: TagPath, instance_id: InstancePath, runtime: RuntimeDep, principal: HeartbeatScope
) -> Response:
    """Graceful shutdown: the instance becomes `stopped`. Scope `workers:heartbeat`."""
    principal.require_worker(tag, instance_id)
    return json_response(await runtime.service.unregister(tag, instance_id))
