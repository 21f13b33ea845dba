"""Errors the registry answers with (each knows its HTTP status).

WorkerError (shared.errors)
├── PayloadError            422  bad input (``errors`` lists loc/msg/type)
└── RegistryError           root of the registry's own errors
    ├── NotFoundError       404  unknown tag or instance
    ├── AuthError           401  missing, malformed, expired or wrongly signed token
    │   └── ScopeError      403  valid token without the scope the route needs
    │       └── TagBindingError  403  a worker token used for another tag or instance
    └── UnavailableError    503  Redis or the database cannot be reached (retry later)
"""

from __future__ import annotations

from shared.errors import WorkerError

__all__ = ["AuthError", "NotFoundError", "RegistryError", "ScopeError", "TagBindingError", "UnavailableError"]


class RegistryError(WorkerError):
    """Root of the registry's errors."""

    code = "registry_error"
    status_code = 500


class NotFoundError(RegistryError):
    code = "not_found"
    status_code = 404


class AuthError(RegistryError):
    code = "unauthorized"
    status_code = 401


class ScopeError(AuthError):
    code = "insufficient_scope"
    status_code = 403


class TagBindingError(ScopeError):
    code = "tag_not_allowed"


class UnavailableError(RegistryError):
    code = "unavailable"
    status_code = 503
    retryable = True
