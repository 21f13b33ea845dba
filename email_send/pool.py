"""A small pool of authenticated SMTP sessions: reused for many messages, probed, retired, reconnected.

aiosmtplib has no pool (one ``SMTP`` object serialises its sends), so parallelism is N sessions. A
session is reused LIFO (hot sessions first), probed with NOOP after ``idle_probe_seconds`` idle, closed
after ``max_idle_seconds`` idle or ``max_messages_per_connection`` messages. A session that turns out to
be dead before anything was sent (MAIL/RCPT stage) is replaced and the message retried once on a fresh
one; once the message data has gone out, a broken connection is reported as ``SmtpDeliveryUncertain``.

Each message is all-or-nothing: if any recipient is refused the envelope is reset and nothing is sent
(a 5xx refusal fails the message for good, 4xx ones make it retry), so a retry never re-sends to the
recipients that had accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiosmtplib
import structlog

from email_send.config import SmtpSettings
from email_send.connection import TlsContextCache, open_session, smtp_errors
from email_send.errors import (
    SmtpConnectionError,
    SmtpError,
    SmtpNotSupported,
    SmtpPermanentError,
    SmtpTransientError,
)
from email_send.message import OutgoingMessage

__all__ = ["Delivery", "PoolStats", "SmtpPool"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    """The server's final reply to DATA (it accepted the message for every recipient)."""

    code: int
    message: str
    reused_session: bool


@dataclass
class PoolStats:
    sessions_opened: int = 0
    sessions_closed: int = 0
    messages_sent: int = 0
    stale_reconnects: int = 0
    tls_contexts_built: int = 0


@dataclass
class _Session:
    smtp: aiosmtplib.SMTP
    last_used: float
    messages: int = 0


@dataclass
class SmtpPool:
    """Up to ``settings.pool_size`` concurrent sessions; ``send()`` runs one mail transaction on one of them."""

    settings: SmtpSettings
    opener: Callable[[], Awaitable[aiosmtplib.SMTP]] | None = None
    clock: Callable[[], float] = time.monotonic
    stats: PoolStats = field(default_factory=PoolStats)

    def __post_init__(self) -> None:
        self._idle: list[_Session] = []
        self._slots = asyncio.Semaphore(self.settings.pool_size)
        self._background: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._tls = TlsContextCache(self.settings)

    async def _open(self) -> _Session:
        if self.opener is not None:
            smtp = await self.opener()
        else:
            context = self._tls.get()
            self.stats.tls_contexts_built = self._tls.builds
            smtp = await open_session(self.settings, context)
        self.stats.sessions_opened += 1
        log.debug("smtp session opened", host=self.settings.host, port=self.settings.port)
        return _Session(smtp=smtp, last_used=self.clock())

    async def _checkout(self) -> tuple[_Session, bool]:
        await asyncio.sleep(0)  # let the loop deliver pending connection-lost callbacks first
        now = self.clock()
        while self._idle:
            session = self._idle.pop()
            idle = now - session.last_used
            if not session.smtp.is_connected or idle > self.settings.max_idle_seconds:
                self._retire(session)
                continue
            if idle > self.settings.idle_probe_seconds:
                try:
                    with smtp_errors("noop"):
                        await session.smtp.noop(timeout=min(self.settings.timeout, 10.0))
                except SmtpError:
                    self._retire(session)
                    continue
            return session, True
        return await self._open(), False

    def _checkin(self, session: _Session) -> None:
        session.last_used = self.clock()
        if (
            self._closed
            or not session.smtp.is_connected
            or session.messages >= self.settings.max_messages_per_connection
        ):
            self._retire(session)
        else:
            self._idle.append(session)

    def _retire(self, session: _Session) -> None:
        """QUIT in the background (never on a message's path); a dead session is just closed."""
        self.stats.sessions_closed += 1
        if not session.smtp.is_connected:
            session.smtp.close()
            return
        task = asyncio.get_running_loop().create_task(self._quit(session.smtp))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _quit(smtp: aiosmtplib.SMTP) -> None:
        try:
            await smtp.quit(timeout=5)
        except Exception as exc:  # noqa: BLE001 - the session is going away anyway
            log.debug("smtp quit failed", error=repr(exc))
        finally:
            smtp.close()

    async def send(self, message: OutgoingMessage) -> Delivery:
        """One transaction (MAIL, RCPT..., DATA); raises our ``SmtpError`` tree on failure."""
        if self._closed:
            raise SmtpConnectionError("SMTP pool is closed", stage="connect")
        async with self._slots:
            for attempt in (1, 2):
                session, reused = await self._checkout()
                try:
                    reply = await self._transaction(session.smtp, message)
                except SmtpConnectionError:
                    self._retire(session)
                    if not reused or attempt == 2:
                        raise
                    self.stats.stale_reconnects += 1
                    log.info("stale smtp session replaced", host=self.settings.host)
                    continue
                except SmtpError:
                    self._checkin(session)  # the server answered: the session is still usable
                    raise
                except BaseException:  # cancelled (soft time limit) or a bug: the session state is unknown
                    session.smtp.close()
                    self.stats.sessions_closed += 1
                    raise
                session.messages += 1
                self.stats.messages_sent += 1
                self._checkin(session)
                return Delivery(code=reply.code, message=reply.message, reused_session=reused)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _transaction(self, smtp: aiosmtplib.SMTP, message: OutgoingMessage) -> aiosmtplib.SMTPResponse:
        envelope = message.envelope
        options: list[str] = []
        if envelope.smtputf8:
            if not smtp.supports_extension("smtputf8"):
                raise SmtpNotSupported("an address needs SMTPUTF8, which the SMTP server does not offer", stage="mail")
            options.append("SMTPUTF8")
        if smtp.supports_extension("size"):
            limit = smtp.esmtp_extensions.get("size", "").strip()
            if limit.isdigit() and int(limit) > 0 and len(message.data) > int(limit):
                raise SmtpPermanentError(
                    f"message is {len(message.data)} bytes; the SMTP server accepts at most {limit}",
                    smtp_code=552,
                    smtp_message=f"SIZE {limit}",
                    stage="size",
                )
            options.append(f"SIZE={len(message.data)}")
        encoding = "utf-8" if envelope.smtputf8 else "ascii"
        try:
            with smtp_errors("mail"):
                await smtp.mail(envelope.sender, options=options, encoding=encoding)
            refused: list[dict[str, Any]] = []
            for recipient in envelope.recipients:
                try:
                    with smtp_errors("rcpt"):
                        await smtp.rcpt(recipient, encoding=encoding)
                except SmtpError as exc:
                    if exc.smtp_code is None:
                        raise
                    refused.append(
                        {
                            "recipient": recipient,
                            "smtp_code": exc.smtp_code,
                            "smtp_message": exc.details.get("smtp_message", ""),
                        }
                    )
            if refused:
                raise self._refusal(refused, len(envelope.recipients))
        except SmtpError as exc:
            if exc.smtp_code is not None and smtp.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await smtp.rset()
            raise
        with smtp_errors("data"):
            return await smtp.data(message.data)

    @staticmethod
    def _refusal(refused: list[dict[str, Any]], total: int) -> SmtpError:
        permanent = [r for r in refused if r["smtp_code"] >= 500]
        first = (permanent or refused)[0]
        text = (
            f"{len(refused)} of {total} recipients refused, nothing was sent: "
            f"{first['recipient']}: {first['smtp_code']} {first['smtp_message']}"
        )
        cls = SmtpPermanentError if permanent else SmtpTransientError
        return cls(
            text, smtp_code=first["smtp_code"], smtp_message=first["smtp_message"], stage="rcpt", recipients=refused
        )

    async def close(self) -> None:
        """QUIT every idle session and wait for background QUITs (worker process shutdown)."""
        self._closed = True
        while self._idle:
            self._retire(self._idle.pop())
        if self._background:
            await asyncio.wait(list(self._background), timeout=5)
