"""HTTP layer of the registry: routers, dependencies and error mapping."""

from registry.api.errors import install_error_handlers
from registry.api.ops import router as ops_router
from registry.api.workers import hot_router as heartbeat_router
from registry.api.workers import router as workers_router

__all__ = ["heartbeat_router", "install_error_handlers", "ops_router", "workers_router"]
