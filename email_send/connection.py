"""Opening one authenticated SMTP session (TLS / STARTTLS / AUTH) and translating aiosmtplib's errors."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import aiosmtplib

from email_send.config import SmtpSettings
from email_send.errors import (
    SmtpConnectionError,
    SmtpDeliveryUncertain,
    SmtpError,
    SmtpNotSupported,
    SmtpPermanentError,
    reply_error,
)

__all__ = ["TlsContextCache", "open_session", "smtp_errors", "tls_context"]


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Verifying context (system CAs + ``EMAIL_SEND_SMTP_CA_FILE``), or a non-verifying one if ``EMAIL_SEND_SMTP_VALIDATE_CERTS=false``."""
    if not settings.validate_certs:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context()
    if settings.ca_file is not None:
        ctx.load_verify_locations(cafile=str(settings.ca_file))
    return ctx


class TlsContextCache:
    """One TLS context for all of a pool's sessions, rebuilt only when ``EMAIL_SEND_SMTP_CA_FILE`` changes on disk.

    Building a verifying context loads the system CA store (tens of milliseconds of CPU); a pool opens a
    session every ``max_messages_per_connection`` messages, so it must not pay that each time.
    """

    def __init__(self, settings: SmtpSettings):
        self._settings = settings
        self._context: ssl.SSLContext | None = None
        self._stamp: tuple[int, int] | None = None
        self.builds = 0

    def _ca_stamp(self) -> tuple[int, int] | None:
        if self._settings.ca_file is None:
            return None
        try:
            st = self._settings.ca_file.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def get(self) -> ssl.SSLContext:
        stamp = self._ca_stamp()
        if self._context is None or stamp != self._stamp:
            self._context = tls_context(self._settings)
            self._stamp = stamp
            self.builds += 1
        return self._context


@contextmanager
def smtp_errors(stage: str) -> Iterator[None]:
    """The one place aiosmtplib / socket / TLS exceptions become our tree (``stage`` says where it broke)."""
    try:
        yield
    except SmtpError:
        raise
    except aiosmtplib.SMTPResponseException as exc:
        raise reply_error(exc.code, exc.message, stage=stage) from exc
    except aiosmtplib.SMTPNotSupported as exc:
        raise SmtpNotSupported(f"SMTP server does not support what we need: {exc}", stage=stage) from exc
    except ssl.SSLCertVerificationError as exc:
        raise SmtpPermanentError(
            f"SMTP server certificate rejected: {exc.verify_message}", stage=stage, code="smtp_tls_verify_failed"
        ) from exc
    except (
        TimeoutError,
        aiosmtplib.SMTPServerDisconnected,
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPTimeoutError,
        OSError,
        ssl.SSLError,
        EOFError,
    ) as exc:
        cls = SmtpDeliveryUncertain if stage == "data" else SmtpConnectionError
        what = "connection lost after the message was sent" if stage == "data" else "SMTP connection failed"
        raise cls(f"{what} ({stage}): {type(exc).__name__}: {exc}", stage=stage) from exc
    except aiosmtplib.SMTPException as exc:  # e.g. "SMTP AUTH extension not supported by server"
        raise SmtpNotSupported(f"SMTP server cannot do what we need ({stage}): {exc}", stage=stage) from exc


async def open_session(settings: SmtpSettings, context: ssl.SSLContext | None = None) -> aiosmtplib.SMTP:
    """Connect, upgrade with STARTTLS (or implicit TLS) and log in: a session ready for ``MAIL FROM``."""
    smtp = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.tls,
        start_tls=bool(settings.starttls),
        tls_context=context or tls_context(settings),
        timeout=settings.timeout,
        local_hostname=settings.local_hostname,
    )
    try:
        with smtp_errors("connect"):
            await smtp.connect(timeout=settings.connect_timeout)
        if settings.username is not None and settings.password is not None:
            with smtp_errors("auth"):
                await smtp.login(settings.username, settings.password.get_secret_value())
    except BaseException:
        smtp.close()
        raise
    if not smtp.is_connected:
        raise SmtpConnectionError("SMTP server closed the connection during set-up", stage="connect")
    return smtp
