"""SMTP errors; aiosmtplib's exceptions are translated once, in ``connection.smtp_errors()``.

    WorkerError (shared.errors)
    ├── SmtpError                               the SMTP side failed; ``details`` carry the server's reply
    │   ├── SmtpTransientError (TransientError) 4xx reply (421, 450, 451, 452, 454 ...): retried
    │   │   ├── SmtpConnectionError             connect / TLS / timeout / connection lost before DATA ended
    │   │   └── SmtpDeliveryUncertain           connection lost after the message data was sent: retried,
    │   │                                       so the server may see the message twice (RFC 1047 window)
    │   └── SmtpPermanentError (PermanentError) 5xx reply: fails at once with the server's reply
    │       ├── SmtpAuthenticationError         AUTH refused (535 ...): fix EMAIL_SEND_SMTP_USERNAME / _PASSWORD
    │       └── SmtpNotSupported                the server lacks what we need (STARTTLS, SMTPUTF8, AUTH, SIZE)
    └── MessageInFlight (TransientError)        the same idempotency key is being sent by another attempt

Bad requests (addresses, header injection, sizes, templates) are ``shared.errors.PayloadError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.errors import PermanentError, TransientError, WorkerError, fold_facts

__all__ = [
    "MessageInFlight",
    "SmtpAuthenticationError",
    "SmtpConnectionError",
    "SmtpDeliveryUncertain",
    "SmtpError",
    "SmtpNotSupported",
    "SmtpPermanentError",
    "SmtpTransientError",
    "reply_error",
]


class SmtpError(WorkerError):
    """Root of the SMTP tree: ``smtp_code`` / ``smtp_message`` are the server's reply when there was one."""

    code = "smtp_error"

    def __init__(
        self,
        message: str | Mapping[str, Any],
        *,
        smtp_code: int | None = None,
        smtp_message: str | None = None,
        stage: str | None = None,
        recipients: Sequence[Mapping[str, Any]] = (),
        **kwargs: Any,
    ):
        if not isinstance(message, Mapping):
            kwargs["details"] = fold_facts(
                kwargs.pop("details", None),
                smtp_code=smtp_code,
                smtp_message=None if smtp_message is None else smtp_message[:1000],
                stage=stage,
                recipients=[dict(r) for r in recipients] or None,
            )
        super().__init__(message, **kwargs)

    @property
    def smtp_code(self) -> int | None:
        value = self.details.get("smtp_code")
        return int(value) if value is not None else None


class SmtpTransientError(SmtpError, TransientError):
    """A 4xx reply: the server asks us to try again later."""

    code = "smtp_transient"


class SmtpConnectionError(SmtpTransientError):
    """Could not connect, negotiate TLS, or the session broke before the message was handed over."""

    code = "smtp_connection"


class SmtpDeliveryUncertain(SmtpTransientError):
    """The connection broke after the message data was sent, before the server's final reply."""

    code = "smtp_delivery_uncertain"


class SmtpPermanentError(SmtpError, PermanentError):
    """A 5xx reply: retrying the same message cannot help."""

    code = "smtp_rejected"


class SmtpAuthenticationError(SmtpPermanentError):
    """The server refused our credentials."""

    code = "smtp_auth_failed"


class SmtpNotSupported(SmtpPermanentError):
    """The server lacks an extension this configuration or message needs."""

    code = "smtp_not_supported"


class MessageInFlight(TransientError):
    """Another attempt holds the idempotency claim; retry once it has finished (or its claim expired)."""

    code = "message_in_flight"


def reply_error(code: int, message: str, *, stage: str, what: str = "SMTP server") -> SmtpError:
    """The error for a non-success reply: 4xx transient, anything else permanent (5xx)."""
    text = f"{what} replied {code} {message.strip()}".strip()
    if 400 <= code < 500:
        return SmtpTransientError(text, smtp_code=code, smtp_message=message, stage=stage)
    if stage == "auth":
        return SmtpAuthenticationError(text, smtp_code=code, smtp_message=message, stage=stage)
    return SmtpPermanentError(text, smtp_code=code, smtp_message=message, stage=stage)
