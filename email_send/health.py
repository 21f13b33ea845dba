"""Deep health checks of the `email.send` worker (run by /readyz?deep=true with a 5 s timeout).

The health app runs in the worker's parent process, where no pooled session lives, so the check opens
its own short connection: connect (+ TLS / STARTTLS as configured), EHLO, NOOP, QUIT. It does not log in,
so probes never count against the provider's login limits.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiosmtplib

from email_send.config import EmailSendSettings, SmtpSettings
from email_send.connection import smtp_errors, tls_context
from shared.health import DeepCheck

__all__ = ["deep_checks", "smtp_check"]


async def _probe(settings: SmtpSettings, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    smtp = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.tls,
        start_tls=bool(settings.starttls),
        tls_context=tls_context(settings),
        timeout=timeout,
        local_hostname=settings.local_hostname,
    )
    try:
        with smtp_errors("connect"):
            await smtp.connect(timeout=timeout)
        with smtp_errors("noop"):
            reply = await smtp.noop()
        tls = smtp.get_transport_info("sslcontext") is not None
        auth_offered = bool(smtp.server_auth_methods) or smtp.supports_extension("auth")
        with smtp_errors("quit"):
            await smtp.quit()
    finally:
        smtp.close()
    return {
        "host": settings.host,
        "port": settings.port,
        "tls": tls,
        "noop": reply.code,
        "auth_offered": auth_offered,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def smtp_check(settings: SmtpSettings, timeout: float = 4.5) -> dict[str, Any]:
    """Connect + NOOP within ``timeout`` seconds; raises the ``email_send.errors`` tree on failure."""
    return asyncio.run(asyncio.wait_for(_probe(settings, timeout), timeout))


def deep_checks(settings: EmailSendSettings) -> list[DeepCheck]:
    return [DeepCheck("smtp", lambda: smtp_check(settings.smtp), timeout=5.0)]
