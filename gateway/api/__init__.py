"""HTTP layer of the gateway: routes, dependencies, the request middleware and the error mapping."""

from gateway.api.errors import install_error_handlers
from gateway.api.middleware import RequestContext
from gateway.api.routes import router

__all__ = ["RequestContext", "install_error_handlers", "router"]
