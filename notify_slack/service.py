"""Posting one Slack notification: resolve where it goes, make it safe, pace it, post it once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import redis
import structlog

from notify_slack.client import PostReceipt, SlackClient
from notify_slack.config import SlackSettings, get_slack_settings
from notify_slack.errors import ChannelBusy, SlackNotConfigured, SlackRateLimited
from notify_slack.limiter import ChannelLimiter
from notify_slack.markup import prepare_message
from notify_slack.models import SlackRequest, SlackResult
from shared.config import get_settings
from shared.idempotency import IdempotencyGuard, request_fingerprint
from shared.resources import ProcessResource

__all__ = ["SlackService", "Target", "get_slack_service", "resolve_target"]

log = structlog.get_logger(__name__)


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


def resolve_target(request: SlackRequest, settings: SlackSettings) -> Target:
    """Mode from the payload or ``SLACK_MODE``; channel from the payload or ``SLACK_DEFAULT_CHANNEL``."""
    mode = request.mode or settings.mode
    if mode == "auto":
        mode = "token" if settings.bot_token is not None else "webhook"
    channel = request.channel or settings.default_channel
    if mode == "token":
        if settings.bot_token is None:
            raise SlackNotConfigured("token mode needs SLACK_BOT_TOKEN")
        if not channel:
            raise SlackNotConfigured("no channel: give 'channel' or set SLACK_DEFAULT_CHANNEL")
        return Target(mode="token", channel=channel, webhook_url=None, rate_key=f"channel:{_channel_key(channel)}")
    if channel and _channel_key(channel) in settings.channel_webhooks:
        url = settings.channel_webhooks[_channel_key(channel)].get_secret_value()
    elif request.channel and request.channel != settings.default_channel:
        raise SlackNotConfigured(
            f"no incoming webhook for channel {request.channel!r}: add it to SLACK_CHANNEL_WEBHOOKS or use token mode"
        )
    elif settings.webhook_url is not None:
        url = settings.webhook_url.get_secret_value()
    else:
        raise SlackNotConfigured("webhook mode needs SLACK_WEBHOOK_URL (or SLACK_CHANNEL_WEBHOOKS)")
    digest = hashlib.sha256(urlsplit(url).path.encode()).hexdigest()[:16]
    return Target(mode="webhook", channel=channel, webhook_url=url, rate_key=f"webhook:{digest}")


class SlackService:
    """``notify(request)`` -> ``SlackResult``; errors are ``PayloadError`` or the ``notify_slack.errors`` tree."""

    def __init__(
        self,
        *,
        settings: SlackSettings,
        client: SlackClient,
        limiter: ChannelLimiter,
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
        claim = self._guard.claim(key)
        if claim.done is not None:
            log.info("slack message already posted under this key; not posting again", idempotency_key=key)
            return SlackResult.model_validate(claim.done).model_copy(update={"status": "duplicate"})
        try:
            wait = self._limiter.acquire(target.rate_key)
            if wait > 0:
                raise ChannelBusy(
                    f"channel pace ({self._settings.rate_per_second}/s): next free slot in {wait:.2f}s",
                    retry_after=wait,
                    details={"rate_key": target.rate_key},
                )
            receipt = self._post(target, request, message.text, message.blocks)
        except SlackRateLimited as exc:
            self._limiter.penalize(target.rate_key, exc.retry_after or 1.0)
            self._guard.release(claim)
            raise
        except BaseException:
            self._guard.release(claim)
            raise
        result = SlackResult(
            status="sent",
            mode=target.mode,
            channel=receipt.channel or target.channel,
            ts=receipt.ts,
            idempotency_key=key,
            posted_at=self._clock(),
        )
        self._guard.complete(claim, result.model_dump(mode="json"))
        log.info("slack message posted", mode=target.mode, channel=result.channel, ts=result.ts, idempotency_key=key)
        return result

    def _post(self, target: Target, request: SlackRequest, text: str | None, blocks: list[dict[str, object]] | None) -> PostReceipt:
        if target.mode == "token":
            assert target.channel is not None
            return self._client.post_message(channel=target.channel, text=text, blocks=blocks,
                                             thread_ts=request.thread_ts, unfurl_links=request.unfurl_links)
        assert target.webhook_url is not None
        return self._client.post_webhook(target.webhook_url, text=text, blocks=blocks, unfurl_links=request.unfurl_links)


def _build_redis() -> redis.Redis[bytes]:
    url = get_settings().redis_url.get_secret_value()
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


REDIS: ProcessResource[redis.Redis[bytes]] = ProcessResource(_build_redis, close=lambda r: r.close(), name="slack-redis")


def _build_service() -> SlackService:
    settings = get_slack_settings()
    client = REDIS.get()
    return SlackService(
        settings=settings,
        client=SlackClient(settings),
        limiter=ChannelLimiter(client, rate=settings.rate_per_second, burst=settings.rate_burst),
        guard=IdempotencyGuard(client, namespace="slack", lock_seconds=settings.idempotency_lock_seconds,
                               ttl_seconds=settings.idempotency_ttl_seconds),
    )


SERVICE: ProcessResource[SlackService] = ProcessResource(_build_service, name="slack-service")


def get_slack_service() -> SlackService:
    """The process's service (Slack client, Redis, limiter), built once per worker process."""
    return SERVICE.get()
