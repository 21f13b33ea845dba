"""Payload and result of ``notify.slack``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["SlackRequest", "SlackResult"]

_CHANNEL_RE = re.compile(r"^#?[a-z0-9][a-z0-9._-]{0,79}$|^[CGD][A-Z0-9]{6,20}$")
_TS_RE = re.compile(r"^\d{9,11}\.\d{6}$")
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


class SlackRequest(BaseModel):
    """``notify.slack`` kwargs. ``text`` is user text: escaped so it cannot ping anyone unless ``mention`` says so."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=200_000)
    #: Block Kit blocks; text objects inside are escaped like ``text`` unless ``raw``.
    blocks: list[dict[str, Any]] | None = None
    #: ``#alerte``, ``alerte`` or a channel id (``C0123ABCD``); default: ``NOTIFY_SLACK_DEFAULT_CHANNEL``.
    channel: str | None = None
    #: ``token`` (chat.postMessage) or ``webhook``; default: ``NOTIFY_SLACK_MODE``.
    mode: Literal["token", "webhook"] | None = None
    thread_ts: str | None = None
    #: Explicitly ping ``@here`` / ``@channel`` / ``@everyone``: the only way a broadcast happens.
    mention: Literal["here", "channel", "everyone"] | None = None
    #: The caller sends Slack markup (links ``<https://..|x>``, user mentions); not escaped, broadcasts still refused.
    raw: bool = False
    unfurl_links: bool = False
    idempotency_key: str | None = None

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not _CHANNEL_RE.match(value):
            raise ValueError("a channel name (#alerte) or id (C0123ABCD)")
        return value

    @field_validator("thread_ts")
    @classmethod
    def _ts(cls, value: str | None) -> str | None:
        if value is not None and not _TS_RE.match(value):
            raise ValueError("a Slack message timestamp such as 1700000000.000100")
        return value

    @field_validator("idempotency_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not _KEY_RE.match(value):
            raise ValueError("1-255 printable ASCII characters without spaces")
        return value

    @model_validator(mode="after")
    def _content(self) -> SlackRequest:
        if not (self.text and self.text.strip()) and not self.blocks:
            raise ValueError("give text and/or blocks")
        return self


class SlackResult(BaseModel):
    """``sent`` now, or ``duplicate`` (posted earlier under the same idempotency key)."""

    status: Literal["sent", "duplicate"]
    mode: Literal["token", "webhook"]
    channel: str | None
    ts: str | None = None
    idempotency_key: str
    posted_at: datetime
