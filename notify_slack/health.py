"""Deep health checks of the `notify.slack` worker (run by /readyz?deep=true with a 5 s timeout).

Token mode: ``auth.test`` (proves Slack is reachable and the token valid; cached 30 s, since Slack
rate-limits the method). Webhook mode: a configuration check only, because the only way to "test" an
incoming webhook is to post a message to a real channel.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

from notify_slack.client import SlackClient
from notify_slack.config import NotifySlackSettings
from notify_slack.errors import SlackNotConfigured
from shared.health import DeepCheck

__all__ = ["SlackCheck", "deep_checks", "slack_check", "webhook_config_check"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise SlackNotConfigured(f"{name} must be an https URL")
    if not parts.hostname or not parts.path.startswith("/services/") or len(parts.path.split("/")) < 5:
        raise SlackNotConfigured(f"{name} does not look like an incoming webhook (…/services/T…/B…/…)")


def webhook_config_check(settings: NotifySlackSettings) -> dict[str, Any]:
    """Every configured webhook URL is well formed; raises ``SlackNotConfigured`` otherwise."""
    if settings.webhook_url is None and not settings.channel_webhooks:
        raise SlackNotConfigured("webhook mode without NOTIFY_SLACK_WEBHOOK_URL or NOTIFY_SLACK_CHANNEL_WEBHOOKS")
    if settings.webhook_url is not None:
        _check_url("NOTIFY_SLACK_WEBHOOK_URL", settings.webhook_url.get_secret_value())
    for channel, url in settings.channel_webhooks.items():
        _check_url(f"NOTIFY_SLACK_CHANNEL_WEBHOOKS[{channel}]", url.get_secret_value())
    return {
        "mode": "webhook",
        "webhooks": int(settings.webhook_url is not None) + len(settings.channel_webhooks),
        "default_channel": settings.default_channel,
    }


def slack_check(settings: NotifySlackSettings) -> dict[str, Any]:
    """auth.test in token mode, configuration check in webhook mode (uncached: the CLI's ``check``)."""
    token_mode = settings.mode == "token" or (settings.mode == "auto" and settings.bot_token is not None)
    if not token_mode:
        return webhook_config_check(settings)
    info = SlackClient(settings.model_copy(update={"timeout": min(settings.timeout, 4.0)})).auth_test()
    return {"mode": "token", "team": info.get("team"), "bot_id": info.get("bot_id"), "cached": False}


class SlackCheck:
    """``slack_check`` with a successful verdict kept ``cache_seconds`` (Slack rate-limits auth.test)."""

    def __init__(self, settings: NotifySlackSettings, *, cache_seconds: float = 30.0):
        self.settings = settings
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < self.cache_seconds:
                return {**self._cached[1], "cached": True}
        details = slack_check(self.settings)
        with self._lock:
            self._cached = (time.monotonic(), details)
        return details


def deep_checks(settings: NotifySlackSettings) -> list[DeepCheck]:
    return [DeepCheck("slack", SlackCheck(settings), timeout=5.0)]
