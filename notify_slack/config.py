"""Settings of the Slack worker (``NOTIFY_SLACK_*``; the older ``SLACK_*`` names are still read, the new ones win).

Webhook and/or bot token, default channel, the channel pace and the idempotency window.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings_aliases import RenamedPrefixSettings

__all__ = ["NotifySlackSettings", "get_settings"]


class NotifySlackSettings(RenamedPrefixSettings):
    """Incoming-webhook mode (``NOTIFY_SLACK_WEBHOOK_URL`` / per-channel webhooks) and ``chat.postMessage`` mode."""

    model_config = SettingsConfigDict(
        env_prefix="NOTIFY_SLACK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )
    old_env_prefixes = ("SLACK_",)

    #: Incoming webhook of the default channel.
    webhook_url: SecretStr | None = None
    #: JSON object ``{"#channel": "https://hooks.slack.com/services/..."}``: one webhook per channel.
    channel_webhooks: dict[str, SecretStr] = Field(default_factory=dict)
    #: Bot token (``xoxb-...``) for ``chat.postMessage`` and ``auth.test``.
    bot_token: SecretStr | None = None
    #: Channel used when the payload names none.
    default_channel: str | None = None
    #: ``auto``: token mode when a bot token is set, else webhook mode.
    mode: Literal["auto", "token", "webhook"] = "auto"
    api_url: str = "https://slack.com/api/"
    timeout: float = Field(default=10.0, gt=0)
    #: Cluster-wide pace per channel (Slack: about 1 message/s per channel, short bursts tolerated).
    rate_per_second: float = Field(default=1.0, gt=0)
    rate_burst: int = Field(default=2, ge=1)
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    #: Must exceed the task's hard time limit (60 s for notify.slack).
    idempotency_lock_seconds: int = Field(default=90, ge=1)

    @field_validator("channel_webhooks")
    @classmethod
    def _channel_names(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        return {name.strip().lstrip("#").lower(): url for name, url in value.items()}


@lru_cache(maxsize=1)
def get_settings() -> NotifySlackSettings:
    """The process's Slack settings (the CLI; the worker reads them once through its ``WorkerSpec``)."""
    return NotifySlackSettings()
