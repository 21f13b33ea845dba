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
from notify_slack.config import SlackSettings, get_slack_settings
from notify_slack.errors import SlackNotConfigured
from shared.health import DeepCheck

__all__ = ["DEEP_CHECKS", "slack_check", "webhook_config_check"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise SlackNotConfigured(f"{name} must be an https URL")
    if not parts.hostname or not parts.path.startswith("/services/") or len(parts.path.split("/")) < 5:
        raise SlackNotConfigured(f"{name} does not look like an incoming webhook (…/services/T…/B…/…)")


def webhook_config_check(settings: SlackSettings) -> dict[str, Any]:
    """Every configured webhook URL is well formed; raises ``SlackNotConfigured`` otherwise."""
    if settings.webhook_url is None and not settings.channel_webhooks:
        raise SlackNotConfigured("webhook mode without SLACK_WEBHOOK_URL or SLACK_CHANNEL_WEBHOOKS")
    if settings.webhook_url is not None:
        _check_url("SLACK_WEBHOOK_URL", settings.webhook_url.get_secret_value())
    for channel, url in settings.channel_webhooks.items():
        _check_url(f"SLACK_CHANNEL_WEBHOOKS[{channel}]", url.get_secret_value())
    return {"mode": "webhook", "webhooks": int(settings.webhook_url is not None) + len(settings.channel_webhooks),
            "default_channel": settings.default_channel}


def slack_check(settings: SlackSettings | None = None, *, cache_seconds: float = 30.0) -> dict[str, Any]:
    """auth.test in token mode, configuration check in webhook mode."""
    s = settings or get_slack_settings()
    token_mode = s.mode == "token" or (s.mode == "auto" and s.bot_token is not None)
    if not token_mode:
        return webhook_config_check(s)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(s.api_url)
        if hit is not None and now - hit[0] < cache_seconds:
            return {**hit[1], "cached": True}
    info = SlackClient(s.model_copy(update={"timeout": min(s.timeout, 4.0)})).auth_test()
    details = {"mode": "token", "team": info.get("team"), "bot_id": info.get("bot_id"), "cached": False}
    with _lock:
        _cache[s.api_url] = (now, details)
    return details


DEEP_CHECKS: list[DeepCheck] = [DeepCheck("slack", slack_check, timeout=5.0)]
