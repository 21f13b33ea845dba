"""Slack errors; slack-sdk / urllib exceptions and webhook replies are translated once, in ``client.py``.

    WorkerError (shared.errors)
    └── SlackError                               Slack's ``error`` code and HTTP status are in ``details``
        ├── SlackTransientError (TransientError) 5xx, ``internal_error``, ``fatal_error`` ...: retried
        │   ├── SlackConnectionError             could not reach Slack / no answer in time
        │   ├── SlackRateLimited                 HTTP 429: retried after Slack's ``Retry-After``
        │   └── ChannelBusy                      our own per-channel pace (Redis) says wait ``retry_after``
        └── SlackRejected (PermanentError)       Slack said no (``channel_not_found``, ``invalid_blocks`` ...)
            ├── SlackAuthError                   ``invalid_auth``, ``token_revoked``, ``missing_scope`` ...
            └── SlackNotConfigured               no webhook / token for what the payload asks

Bad payloads (size limits, malformed Block Kit, broadcast mentions) are ``shared.errors.PayloadError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import PermanentError, TransientError, WorkerError, fold_facts

__all__ = [
    "ChannelBusy",
    "SlackAuthError",
    "SlackConnectionError",
    "SlackError",
    "SlackNotConfigured",
    "SlackRateLimited",
    "SlackRejected",
    "SlackTransientError",
]


class SlackError(WorkerError):
    """Root of the Slack tree."""

    code = "slack_error"

    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        slack_error: str | None = None,
        http_status: int | None = None,
        **kwargs: Any,
    ):
        if not isinstance(message, Mapping):
            kwargs["details"] = fold_facts(
                kwargs.pop("details", None), slack_error=slack_error, http_status=http_status
            )
        super().__init__(message, **kwargs)


class SlackTransientError(SlackError, TransientError):
    code = "slack_unavailable"


class SlackConnectionError(SlackTransientError):
    code = "slack_connection"


class SlackRateLimited(SlackTransientError):
    code = "slack_rate_limited"


class ChannelBusy(SlackTransientError):
    code = "channel_rate_limited"


class SlackRejected(SlackError, PermanentError):
    code = "slack_rejected"


class SlackAuthError(SlackRejected):
    code = "slack_auth_failed"


class SlackNotConfigured(SlackRejected):
    code = "slack_not_configured"
