"""Fixtures of the Slack tests: the fake Slack server and services built on it with the real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from notify_slack.client import SlackClient
from notify_slack.config import NotifySlackSettings
from notify_slack.service import SlackService, channel_pace
from shared.idempotency import IdempotencyGuard
from tests.fakes.slack import TOKEN, FakeSlack


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def token_settings(fake: FakeSlack, **overrides: Any) -> NotifySlackSettings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "api_url": fake.api_url,
        "default_channel": "#alerte",
        "timeout": 5.0,
        "WORKERS_CORE_ENV": "test",
    }
    values.update(overrides)
    return NotifySlackSettings(**values)


def webhook_settings(fake: FakeSlack, **overrides: Any) -> NotifySlackSettings:
    values: dict[str, Any] = {"webhook_url": fake.webhook_url("general"), "timeout": 5.0, "WORKERS_CORE_ENV": "test"}
    values.update(overrides)
    return NotifySlackSettings(**values)


@pytest.fixture
def make_service(redis_conn: redis.Redis) -> Callable[..., SlackService]:
    """``make_service(settings, rate=..., burst=...)`` with a namespace of its own in the real Redis."""

    def _make(
        settings: NotifySlackSettings, *, rate: float = 50.0, burst: int = 50, lock_seconds: float = 30
    ) -> SlackService:
        ns = f"slack-test-{uuid.uuid4().hex[:8]}"
        return SlackService(
            settings=settings,
            client=SlackClient(settings),
            limiter=channel_pace(redis_conn, rate=rate, burst=burst, namespace=ns),
            guard=IdempotencyGuard(redis_conn, namespace=ns, lock_seconds=lock_seconds, ttl_seconds=600),
        )

    return _make


def worker_env_token(fake: FakeSlack, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake.api_url,
        "SLACK_DEFAULT_CHANNEL": "#alerte",
        "SLACK_TIMEOUT": "5",
        **extra,
    }
