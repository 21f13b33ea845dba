"""``/v1/discovery/{tag}`` and ``/v1/topology``: where the healthy instances are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from registry.api.deps import ReadScope, RuntimeDep, TagPath, forbid_unknown_query
from registry.api.responses import AUTH_ERRORS, NOT_FOUND, json_response
from registry.discovery import discover, topology
from registry.errors import NotFoundError
from registry.schemas import DiscoveryOut, TopologyOut

__all__ = ["router"]

router = APIRouter(
    prefix="/v1", tags=["discovery"], responses=AUTH_ERRORS, dependencies=[Depends(forbid_unknown_query)]
)


@router.get("/discovery/{tag}", response_model=DiscoveryOut, responses=NOT_FOUND, summary="Discover")
async def discovery(
    tag: TagPath,
    runtime: RuntimeDep,
    _: ReadScope,
    min_score: Annotated[int | None, Query(ge=0, le=100, description="Minimum health score.")] = None,
) -> Response:
    """Healthy running instances of a tag, best health score first, with balancing weights. Scope `workers:read`."""
    snap = await runtime.service.snapshot(tag)
    if not snap.by_tag.get(tag):
        raise NotFoundError(f"no worker tag {tag!r}")
    threshold = runtime.settings.discovery_min_score if min_score is None else min_score
    return json_response(discover(snap, tag, min_score=threshold))


@router.get("/topology", response_model=TopologyOut, summary="Topology map")
async def get_topology(runtime: RuntimeDep, _: ReadScope) -> Response:
    """Tags with their queue and instances, and which instances run on which host. Scope `workers:read`."""
    return json_response(topology(await runtime.service.snapshot()))
