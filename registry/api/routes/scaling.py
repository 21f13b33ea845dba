"""``/v1/scaling``: desired replicas per tag (KEDA's metrics-api scaler reads them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from registry.api.deps import ReadScope, RuntimeDep, TagPath, forbid_unknown_query
from registry.api.responses import AUTH_ERRORS, json_response
from registry.schemas import ScalingListOut, ScalingOut

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["scaling"], responses=AUTH_ERRORS, dependencies=[Depends(forbid_unknown_query)])


@router.get("/scaling", response_model=ScalingListOut, summary="Scaling hints")
async def scaling_all(runtime: RuntimeDep, _: ReadScope) -> Response:
    """Desired replicas of every known tag. Scope `workers:read`."""
    snap = await runtime.service.snapshot()
    hints = [await runtime.advisor.recommend(snap, tag) for tag in sorted(snap.by_tag)]
    return json_response({"generated_at": snap.generated_at, "tags": hints})


@router.get("/scaling/{tag}", response_model=ScalingOut, summary="Scaling hint of a tag")
async def scaling_tag(tag: TagPath, runtime: RuntimeDep, _: ReadScope) -> Response:
    """Desired replicas of a tag for KEDA's metrics-api scaler (`valueLocation: desired_replicas`).
    Scope `workers:read`."""
    snap = await runtime.service.snapshot(tag)
    return json_response(await runtime.advisor.recommend(snap, tag))
