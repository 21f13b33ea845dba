"""Posting one Slack notification: resolve where it goes, make it safe, then claim -> pace -> post -> complete.

The pace is ``shared.ratelimit.GcraLimiter`` (cluster-wide, per channel or webhook, in Redis); the once-only
post is ``shared.idempotency.guarded``. ``build_services`` assembles the worker's per-process services from its
settings; ``notify_slack.app`` declares it in the ``WorkerSpec``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import redis
import structlog

from notify_slack.client import PostReceipt, SlackClient
from notify_slack.config import NotifySlackSettings
from notify_slack.errors import ChannelBusy, SlackNotConfigured, SlackRateLimited
from notify_slack.markup import PreparedMessage, prepare_message
from notify_slack.models import SlackRequest, SlackResult
from shared.config import get_settings
from shared.idempotency import IdempotencyGuard, guarded, request_fingerprint
from shared.keys import rate_key
from shared.ratelimit import GcraLimiter

__all__ = [
    "NotifySlackServices",
    "SlackService",
    "Target",
    "build_services",
    "channel_pace",
    "close_services",
    "resolve_target",
]

log = structlog.get_logger(__name__)

#: Namespace of the Slack worker's Redis keys (``shared.keys``: ``wrk:slack:idem:...``, ``wrk:slack:rate:post:...``).
NAMESPACE = "slack"


@dataclass(frozen=True)
class Target:
    """Where a message goes: token mode posts to ``channel``; webhook mode to ``webhook_url``."""

    mode: Literal["token", "webhook"]
    channel: str | None
    webhook_url: str | None
    #: What the per-channel pace is keyed by (a webhook posts to one channel).
    rate_key: str


def _channel_key(name: str) -> str:
    return name.strip().lstrip("#").lower()


def resolve_target(request: SlackRequest, settings: NotifySlackSettings) -> Target:
    """Mode from the payload or ``NOTIFY_SLACK_MODE``; channel from the payload or ``NOTIFY_SLACK_DEFAULT_CHANNEL``."""
    mode = request.mode or settings.mode
    if mode == "auto":
        mode = "token" if settings.bot_token is not None else "webhook"
    channel = request.channel or settings.default_channel
    if mode == "token":
        if settings.bot_token is None:
            raise SlackNotConfigured("token mode needs NOTIFY_SLACK_BOT_TOKEN")
        if not channel:
            raise SlackNotConfigured("no channel: give 'channel' or set NOTIFY_SLACK_DEFAULT_CHANNEL")
        return Target(mode="token", channel=channel, webhook_url=None, rate_key=f"channel:{_channel_key(channel)}")
    if channel and _channel_key(channel) in settings.channel_webhooks:
        url = settings.channel_webhooks[_channel_key(channel)].get_secret_value()
    elif request.channel and request.channel != settings.default_channel:
        raise SlackNotConfigured(
            f"no incoming webhook for channel {request.channel!r}: add it to NOTIFY_SLACK_CHANNEL_WEBHOOKS or use token mode"
        )
    elif settings.webhook_url is not None:
        url = settings.webhook_url.get_secret_value()
    else:
        raise SlackNotConfigured("webhook mode needs NOTIFY_SLACK_WEBHOOK_URL (or NOTIFY_SLACK_CHANNEL_WEBHOOKS)")
    digest = hashlib.sha256(urlsplit(url).path.encode()).hexdigest()[:16]
    return Target(mode="webhook", channel=channel, webhook_url=url, rate_key=f"webhook:{digest}")


def channel_pace(client: redis.Redis[bytes], *, rate: float, burst: int = 1, namespace: str = NAMESPACE) -> GcraLimiter:
    """``rate`` messages per second per channel with ``burst - 1`` extra ones tolerated (``NOTIFY_SLACK_RATE_*``).

    Expressed as the shared limiter's calls per period: over ``period = max(1, 1/rate)`` seconds that is
    ``rate * period + burst - 1`` calls, so its emission interval is ``1/rate`` seconds.
    """
    period = max(1.0, 1.0 / rate)
    return GcraLimiter(client, rate_key(namespace, "post"), rate=rate * period + burst - 1, period=period, burst=burst)


class SlackService:
    """``notify(request)`` -> ``SlackResult``; errors are ``PayloadError`` or the ``notify_slack.errors`` tree."""

    def __init__(
        self,
        *,
        settings: NotifySlackSettings,
        client: SlackClient,
        limiter: GcraLimiter,
        guard: IdempotencyGuard,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._settings = settings
        self._client = client
        self._limiter = limiter
        self._guard = guard
        self._clock = clock

    def notify(self, request: SlackRequest, *, default_key: str | None = None) -> SlackResult:
        """Post once per idempotency key (the request's, else ``default_key`` = task id, else a fingerprint)."""
        target = resolve_target(request, self._settings)
        message = prepare_message(request)  # bad input fails before any claim or slot is taken
        key = request.idempotency_key or default_key or request_fingerprint(request)
        outcome = guarded(
            self._guard,
            key,
            lambda: self._paced_post(target, request, message, key),
            dump=lambda result: result.model_dump(mode="json"),
            load=SlackResult.model_validate,
        )
        if outcome.duplicate:
            return outcome.value.model_copy(update={"status": "duplicate"})
        log.info(
            "slack message posted",
            mode=target.mode,
            channel=outcome.value.channel,
            ts=outcome.value.ts,
            idempotency_key=key,
        )
        return outcome.value

    def _paced_post(self, target: Target, request: SlackRequest, message: PreparedMessage, key: str) -> SlackResult:
        """Take the channel's slot (else ``ChannelBusy`` with the wait) and post; a 429 closes the channel for all."""
        wait = self._limiter.try_acquire(target.rate_key)
        if wait > 0:
            raise ChannelBusy(
                f"channel pace ({self._settings.rate_per_second}/s): next free slot in {wait:.2f}s",
                retry_after=math.ceil(wait * 1000) / 1000,
                details={"rate_key": target.rate_key},
            )
        try:
            receipt = self._post(target, request, message.text, message.blocks)
        except SlackRateLimited as exc:
            self._limiter.penalize(target.rate_key, exc.retry_after or 1.0)
            raise
        return SlackResult(
            status="sent",
            mode=target.mode,
            channel=receipt.channel or target.channel,
            ts=receipt.ts,
            idempotency_key=key,
            posted_at=self._clock(),
        )

    def _post(
        self, target: Target, request: SlackRequest, text: str | None, blocks: list[dict[str, object]] | None
    ) -> PostReceipt:
        if target.mode == "token":
            assert target.channel is not None
            return self._client.post_message(
                channel=target.channel,
                text=text,
                blocks=blocks,
                thread_ts=request.thread_ts,
                unfurl_links=request.unfurl_links,
            )
        assert target.webhook_url is not None
        return self._client.post_webhook(
            target.webhook_url, text=text, blocks=blocks, unfurl_links=request.unfurl_links
        )


@dataclass(frozen=True)
class NotifySlackServices:
    """What the worker's handler uses, built once per pool process (``build_services``)."""

    settings: NotifySlackSettings
    slack: SlackService
    redis: redis.Redis[bytes]


def build_services(settings: NotifySlackSettings) -> NotifySlackServices:
    """The Slack client, and the Redis client of the channel pace and of the idempotency guard, of one process."""
    url = get_settings().redis_url.get_secret_value()
    client: redis.Redis[bytes] = redis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )
    slack = SlackService(
        settings=settings,
        client=SlackClient(settings),
        limiter=channel_pace(client, rate=settings.rate_per_second, burst=settings.rate_burst),
        guard=IdempotencyGuard(
            client,
            namespace=NAMESPACE,
            lock_seconds=settings.idempotency_lock_seconds,
            ttl_seconds=settings.idempotency_ttl_seconds,
        ),
    )
    return NotifySlackServices(settings=settings, slack=slack, redis=client)


def close_services(services: NotifySlackServices) -> None:
    """Close the Redis connections (process shutdown); slack-sdk opens a connection per call."""
    services.redis.close()
