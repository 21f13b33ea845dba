"""The kit every external-API client stands on: one error root with triage facts, one transport stack.

``errors``: ``ApiError`` and its five branches; each client (ANAF, REGES, Slack) roots its own two-level tree
there. ``transport``: ``MappedTransport`` (httpx errors and error statuses become that tree, in one place),
``AuthTransport`` (bearer token, refresh once and replay on 401/403), ``LimitedTransport`` (a slot from the
cluster-wide ``shared.ratelimit.GcraLimiter`` before each request); ``stack`` assembles them.
"""

from shared.integration import errors, transport
from shared.integration.errors import *  # noqa: F403  (ApiError and its five branches: errors.__all__)
from shared.integration.transport import *  # noqa: F403  (the transport stack: transport.__all__)

__all__ = [*errors.__all__, *transport.__all__]
