"""Sending one e-mail: build and check it, claim its idempotency key, hand it to SMTP, record the result."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import redis
import structlog

from email_send.client import SmtpClient
from email_send.config import EmailSettings, get_email_settings, get_smtp_settings
from email_send.errors import SmtpDeliveryUncertain
from email_send.message import MessageBuilder, OutgoingMessage
from email_send.models import EmailRequest, EmailResult, SmtpReply
from email_send.pool import Delivery
from email_send.templates import TemplateRenderer
from shared.artifacts import artifact_store
from shared.config import get_settings
from shared.idempotency import IdempotencyGuard, request_fingerprint
from shared.resources import ProcessResource

__all__ = ["EmailService", "Transport", "get_email_service", "request_fingerprint"]

log = structlog.get_logger(__name__)


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
        claim = self._guard.claim(key)
        if claim.done is not None:
            earlier = EmailResult.model_validate(claim.done)
            log.info("email already sent under this key; not sending again", idempotency_key=key,
                     message_id=earlier.message_id)
            return earlier.model_copy(update={"status": "duplicate"})
        started = time.perf_counter()
        try:
            delivery = self._transport.send(outgoing)
        except SmtpDeliveryUncertain:
            log.warning("smtp connection lost after the data was sent; the retry may deliver a second copy",
                        idempotency_key=key, message_id=outgoing.message_id)
            self._guard.release(claim)
            raise
        except BaseException:
            self._guard.release(claim)
            raise
        result = EmailResult(
            status="sent",
            idempotency_key=key,
            message_id=outgoing.message_id,
            recipients=list(outgoing.envelope.recipients),
            size=len(outgoing.data),
            smtp=SmtpReply(code=delivery.code, message=delivery.message),
            sent_at=self._clock(),
        )
        self._guard.complete(claim, result.model_dump(mode="json"))
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
        return result


def _close_client(client: SmtpClient) -> None:
    client.close()


def _build_smtp_client() -> SmtpClient:
    return SmtpClient(get_smtp_settings())


def _build_redis() -> redis.Redis[bytes]:
    url = get_settings().redis_url.get_secret_value()
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


SMTP_CLIENT: ProcessResource[SmtpClient] = ProcessResource(_build_smtp_client, close=_close_client, name="smtp-pool")
REDIS: ProcessResource[redis.Redis[bytes]] = ProcessResource(_build_redis, close=lambda r: r.close(), name="email-redis")


def _build_service() -> EmailService:
    settings: EmailSettings = get_email_settings()
    builder = MessageBuilder(settings, TemplateRenderer(settings.template_dir), artifact_store)
    guard = IdempotencyGuard(
        REDIS.get(),
        namespace="email",
        lock_seconds=settings.idempotency_lock_seconds,
        ttl_seconds=settings.idempotency_ttl_seconds,
    )
    return EmailService(builder=builder, transport=SMTP_CLIENT.get(), guard=guard)


SERVICE: ProcessResource[EmailService] = ProcessResource(_build_service, name="email-service")


def get_email_service() -> EmailService:
    """The process's service (SMTP pool, Redis client and templates built once per worker process)."""
    return SERVICE.get()
