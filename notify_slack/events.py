"""Events of the ``notify.slack`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from shared.worker import EventSpec

__all__ = ["EVENTS", "SlackPosted"]


class SlackPosted(BaseModel):
    """A Slack message went out now (a duplicate publishes nothing)."""

    mode: Literal["token", "webhook"]
    channel: str | None
    ts: str | None
    idempotency_key: str


EVENTS: tuple[EventSpec, ...] = (EventSpec("slack.posted", SlackPosted, "A message was posted to Slack."),)
