"""``/v1/workers``: list every tag, one tag, a tag's health, and the admin's removal of a tag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from registry.api.deps import AdminScope, ReadScope, RuntimeDep, TagPath, forbid_unknown_query
from registry.api.responses import AUTH_ERRORS, NOT_FOUND, json_response
from registry.models import WorkerState
from registry.schemas import TagHealthOut, WorkerListOut, WorkerTagOut

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["workers"], responses=AUTH_ERRORS, dependencies=[Depends(forbid_unknown_query)])


@router.get("/workers", response_model=WorkerListOut, summary="List workers")
async def list_workers(
    runtime: RuntimeDep,
    _: ReadScope,
    status_filter: Annotated[
        WorkerState | None, Query(alias="status", description="Only instances in this status.")
    ] = None,
) -> Response:
    """Every tag with its aggregate and instances. Scope `workers:read`."""
    return json_response(await runtime.service.list_workers(status=status_filter))


@router.get("/workers/{tag}", response_model=WorkerTagOut, responses=NOT_FOUND, summary="One tag")
async def get_workers(tag: TagPath, runtime: RuntimeDep, _: ReadScope) -> Response:
    """The instances of a tag and their aggregate. Scope `workers:read`."""
    return json_response(await runtime.service.get_workers(tag))


@router.get("/workers/{tag}/health", response_model=TagHealthOut, responses=NOT_FOUND, summary="Health")
async def get_health(tag: TagPath, runtime: RuntimeDep, _: ReadScope) -> Response:
    """Aggregate health score (0-100) of a tag and each instance's score with its factors. Scope `workers:read`."""
    return json_response(await runtime.service.get_health(tag))


@router.delete("/workers/{tag}", responses=NOT_FOUND, summary="Remove a tag")
async def remove_tag(tag: TagPath, runtime: RuntimeDep, _: AdminScope) -> dict[str, Any]:
    """Forget a tag and all its instances (live ones re-register on their next heartbeat). Scope `workers:admin`."""
    return {"tag": tag, "removed": await runtime.service.remove_tag(tag)}
