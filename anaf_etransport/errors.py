"""Errors of the e-Transport client: the shared ANAF tree plus what only e-Transport can say.

WorkerError (shared.errors)
└── AnafError (anaf_core.errors)
    ├── AnafTransportError        could not talk / 5xx / "eroare tehnica" (retried; ``request_sent``)
    ├── AnafRateLimitError        429 or our limiter (retried after ``retry_after``)
    │   └── AnafDailyLimitError   per-message stareMesaj cap for today
    ├── AnafAuthError             403 / no token / no SPV rights for the CIF (fails)
    ├── AnafResponseError         ANAF said no: ``Errors[{errorMessage}]`` with ExecutionStatus 1 (fails)
    └── AnafProtocolError         unparseable answer (retried)
        └── UitFormatError        the UIT ANAF returned fails the format / check digits

PayloadError (shared.errors)      our validation (model, XSD, Schematron) refused the declaration
└── IdempotencyConflict           the same idempotency key was used for a different document
"""

from __future__ import annotations

from anaf_core.errors import (
    AnafAuthError,
    AnafDailyLimitError,
    AnafError,
    AnafProtocolError,
    AnafRateLimitError,
    AnafResponseError,
    AnafTransportError,
)
from shared.errors import PayloadError

__all__ = [
    "AnafAuthError",
    "AnafDailyLimitError",
    "AnafError",
    "AnafProtocolError",
    "AnafRateLimitError",
    "AnafResponseError",
    "AnafTransportError",
    "IdempotencyConflict",
    "UitFormatError",
]


class UitFormatError(AnafProtocolError):
    """ANAF answered with a UIT that is not 16 characters with valid check digits."""

    code = "etransport_bad_uit"


class IdempotencyConflict(PayloadError):
    """An idempotency key already names a different declaration."""

    code = "etransport_idempotency_conflict"
