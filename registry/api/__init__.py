"""HTTP layer of the registry: ``api_router`` (``routes/``), dependencies, the bearer gate, the heartbeat fast
path and the error mapping."""

from registry.api.errors import install_error_handlers
from registry.api.fastpath import HeartbeatFastPath
from registry.api.gate import BearerGate
from registry.api.main import api_router

__all__ = ["BearerGate", "HeartbeatFastPath", "api_router", "install_error_handlers"]
