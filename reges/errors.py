"""Errors of the REGES Online client, one tree rooted in ``RegesError``.

    WorkerError (shared.errors)
    └── RegesError                     anything raised while talking to REGES; ``status`` and ``body`` in details
        ├── RegesTransportError        could not talk / 5xx / 429 (TransientError; ``request_sent``)
        ├── RegesAuthError             Keycloak refused the API credentials (``invalid_grant``,
        │                              ``unauthorized_client``), or 401/403 after a fresh token (PermanentError)
        ├── RegesRejectedError         HTTP 400: the message failed REGES's schema checks (PermanentError)
        └── RegesProtocolError         an answer we cannot parse (TransientError)

    PayloadError (shared.errors)       our own model / XSD checks refused the message before sending
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.errors import PermanentError, TransientError, WorkerError

__all__ = ["RegesAuthError", "RegesError", "RegesProtocolError", "RegesRejectedError", "RegesTransportError"]


def _details(status: int | None, body: bytes | str | None, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    out: dict[str, Any] = {"status": status, "body": text[:500]}
    out.update(extra or {})
    return out


class RegesError(WorkerError):
    code = "reges_error"


class RegesTransportError(RegesError, TransientError):
    code = "reges_transport"

    def __init__(self, message: str, *, status: int | None = None, body: bytes | str | None = None,
                 request_sent: bool = True, retry_after: float | None = None):
        self.request_sent = request_sent
        TransientError.__init__(self, message, retry_after=retry_after, details=_details(status, body, {"request_sent": request_sent}))


class RegesAuthError(RegesError, PermanentError):
    code = "reges_auth"

    def __init__(self, message: str, *, status: int | None = None, body: bytes | str | None = None):
        PermanentError.__init__(self, message, details=_details(status, body))


class RegesRejectedError(RegesError, PermanentError):
    code = "reges_rejected"

    def __init__(self, message: str, *, status: int | None = None, body: bytes | str | None = None):
        PermanentError.__init__(self, message, details=_details(status, body))


class RegesProtocolError(RegesError, TransientError):
    code = "reges_protocol"

    def __init__(self, message: str, *, status: int | None = None, body: bytes | str | None = None):
        TransientError.__init__(self, message, details=_details(status, body))
