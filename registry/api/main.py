"""``api_router``: the registry's API, one ``include_router`` per resource module of ``registry.api.routes``."""

from __future__ import annotations

from fastapi import APIRouter

from registry.api.routes import discovery, instances, ops, scaling, workers

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(instances.router)
api_router.include_router(workers.router)
api_router.include_router(discovery.router)
api_router.include_router(scaling.router)
api_router.include_router(ops.router)
