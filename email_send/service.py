"""Sending one e-mail: build and check it, then claim -> send -> complete its idempotency key over SMTP.

``build_services`` assembles the worker's per-process services (SMTP pool, Redis, templates) from its settings;
``email_send.app`` declares it in the ``WorkerSpec``, which builds them once per pool process and closes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import redis
import structlog

from email_send.batch import BatchSender
from email_send.client import SmtpClient
from email_send.config import EmailSendSettings
from email_send.errors import SmtpDeliveryUncertain
from email_send.message import MessageBuilder, OutgoingMessage
from email_send.models import EmailRequest, EmailResult, SmtpReply
from email_send.pool import Delivery
from email_send.templates import TemplateRenderer
from shared.artifacts import artifact_store
from shared.config import get_settings
from shared.idempotency import IdempotencyGuard, guarded, request_fingerprint

__all__ = ["EmailSendServices", "EmailService", "Transport", "build_services", "close_services", "request_fingerprint"]

log = structlog.get_logger(__name__)

#: Namespace of the e-mail worker's Redis keys (``shared.keys``: ``wrk:email:idem:<sha256>``).
NAMESPACE = "email"


class Transport(Protocol):
    def send(self, message: OutgoingMessage) -> Delivery: ...


class EmailService:
    """``send(request)`` -> ``EmailResult``; errors are ``PayloadError`` or the ``email_send.errors`` tree."""

    def __init__(
        self,
        *,
        builder: MessageBuilder,
        transport: Transport,
        guard: IdempotencyGuard,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._builder = builder
        self._transport = transport
        self._guard = guard
        self._clock = clock

    def send(self, request: EmailRequest, *, default_key: str | None = None) -> EmailResult:
        """Send once per idempotency key: the request's, else ``default_key`` (the task id), else a fingerprint."""
        key = request.idempotency_key or default_key or request_fingerprint(request)
        outgoing = self._builder.build(request, idempotency_key=key)  # bad input fails before any claim
        outcome = guarded(
            self._guard,
            key,
            lambda: self._deliver(outgoing, key),
            dump=lambda result: result.model_dump(mode="json"),
            load=EmailResult.model_validate,
        )
        if outcome.duplicate:
            log.info(
                "email already sent under this key; not sending again",
                idempotency_key=key,
                message_id=outcome.value.message_id,
            )
            return outcome.value.model_copy(update={"status": "duplicate"})
        return outcome.value

    def _deliver(self, outgoing: OutgoingMessage, key: str) -> EmailResult:
        started = time.perf_counter()
        try:
            delivery = self._transport.send(outgoing)
        except SmtpDeliveryUncertain:
            log.warning(
                "smtp connection lost after the data was sent; the retry may deliver a second copy",
                idempotency_key=key,
                message_id=outgoing.message_id,
            )
            raise
        log.debug(  # Celery's own "succeeded" line already carries the whole result
            "email sent",
            message_id=outgoing.message_id,
            idempotency_key=key,
            recipients=len(outgoing.envelope.recipients),
            size=len(outgoing.data),
            smtp_code=delivery.code,
            reused_session=delivery.reused_session,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return EmailResult(
            status="sent",
            idempotency_key=key,
            message_id=outgoing.message_id,
            recipients=list(outgoing.envelope.recipients),
            size=len(outgoing.data),
            smtp=SmtpReply(code=delivery.code, message=delivery.message),
            sent_at=self._clock(),
        )


@dataclass(frozen=True)
class EmailSendServices:
    """What the worker's handlers use, built once per pool process (``build_services``)."""

    settings: EmailSendSettings
    email: EmailService
    batch: BatchSender
    smtp: SmtpClient
    redis: redis.Redis[bytes]


def build_services(settings: EmailSendSettings) -> EmailSendServices:
    """The SMTP pool, the Redis client of the idempotency guard and the message builder of one process."""
    url = get_settings().redis_url.get_secret_value()
    client: redis.Redis[bytes] = redis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )
    guard = IdempotencyGuard(
        client,
        namespace=NAMESPACE,
        lock_seconds=settings.idempotency_lock_seconds,
        ttl_seconds=settings.idempotency_ttl_seconds,
    )
    smtp = SmtpClient(settings.smtp)
    builder = MessageBuilder(settings, TemplateRenderer(settings.template_dir), artifact_store)
    email = EmailService(builder=builder, transport=smtp, guard=guard)
    return EmailSendServices(
        settings=settings, email=email, batch=BatchSender(email, settings), smtp=smtp, redis=client
    )


def close_services(services: EmailSendServices) -> None:
    """QUIT the pooled SMTP sessions and close the Redis connections (process shutdown)."""
    try:
        services.smtp.close()
    finally:
        services.redis.close()
