"""The kit every external-API client stands on: one error root with triage facts, one transport stack.

``errors``: ``ApiError`` and its five branches; each client (ANAF, REGES, Slack) roots its own two-level tree
there. ``transport``: ``MappedTransport`` (httpx errors and error statuses become that tree, in one place),
``AuthTransport`` (bearer token, refresh once and replay on 401/403), ``LimitedTransport`` (a slot from the
cluster-wide ``shared.ratelimit.GcraLimiter`` before each request); ``stack`` assembles them.
"""

from shared.integration.errors import (
    ApiAuthError,
    ApiError,
    ApiProtocolError,
    ApiRateLimitError,
    ApiRejectedError,
    ApiTransportError,
)
from shared.integration.transport import (
    ACCEPT_STATUS,
    OPERATION,
    SLOT_RESERVED,
    AuthTransport,
    ErrorMap,
    LimitedTransport,
    MappedTransport,
    StatusErrorMap,
    TokenProvider,
    stack,
)

__all__ = [
    "ACCEPT_STATUS",
    "OPERATION",
    "SLOT_RESERVED",
    "ApiAuthError",
    "ApiError",
    "ApiProtocolError",
    "ApiRateLimitError",
    "ApiRejectedError",
    "ApiTransportError",
    "AuthTransport",
    "ErrorMap",
    "LimitedTransport",
    "MappedTransport",
    "StatusErrorMap",
    "TokenProvider",
    "stack",
]
