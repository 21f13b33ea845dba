"""``SlackClient``: chat.postMessage / auth.test (bot token) and incoming webhooks over slack-sdk.

slack-sdk's own retry handlers are turned off: a 429 must become a Celery retry with Slack's
``Retry-After`` (``SlackRateLimited``), never a ``time.sleep`` inside the worker, and a blind resend after
a connection error is the task's decision (it holds the idempotency claim). All foreign exceptions are
translated here, in ``_web_errors`` and ``_webhook_error``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from notify_slack.config import NotifySlackSettings
from notify_slack.errors import (
    SlackAuthError,
    SlackConnectionError,
    SlackError,
    SlackNotConfigured,
    SlackRateLimited,
    SlackRejected,
    SlackTransientError,
)

__all__ = ["PostReceipt", "SlackClient"]

#: Web API ``error`` codes worth retrying (Slack: "likely due to a transient issue on our end").
TRANSIENT_ERRORS = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "ratelimited",
        "rate_limited",
        "team_added_to_org",
        "rollup_error",
    }
)
AUTH_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "ekm_access_denied",
        "invalid_token",
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
    }
)


@dataclass(frozen=True)
class PostReceipt:
    channel: str | None
    ts: str | None


def _retry_after(headers: Any) -> float:
    raw = None
    if headers is not None:
        for name in ("Retry-After", "retry-after"):
            value = headers.get(name)
            if value is not None:
                raw = value[0] if isinstance(value, list) else value
                break
    try:
        return max(0.0, float(raw)) if raw is not None else 1.0
    except ValueError:
        return 1.0


def _classify(error: str, status: int, headers: Any, what: str, extra: dict[str, Any] | None = None) -> SlackError:
    details = extra or {}
    text = f"{what}: HTTP {status} {error}".strip()
    if status == 429:
        return SlackRateLimited(
            text, slack_error=error, http_status=status, retry_after=_retry_after(headers), details=details
        )
    if status >= 500 or error in TRANSIENT_ERRORS:
        return SlackTransientError(text, slack_error=error, http_status=status, details=details)
    if error in AUTH_ERRORS:
        return SlackAuthError(text, slack_error=error, http_status=status, details=details)
    return SlackRejected(text, slack_error=error, http_status=status, details=details)


@contextmanager
def _web_errors(what: str) -> Iterator[None]:
    try:
        yield
    except SlackApiError as exc:
        response = exc.response
        data = response.data if isinstance(response.data, dict) else {}
        extra: dict[str, Any] = {}
        messages = (data.get("response_metadata") or {}).get("messages")
        if messages:
            extra["messages"] = list(messages)[:20]
        if data.get("errors"):
            extra["errors"] = list(data["errors"])[:20]
        raise _classify(
            str(data.get("error") or "unknown_error"), response.status_code, response.headers, what, extra
        ) from exc
    except (OSError, SlackClientError) as exc:
        raise SlackConnectionError(f"{what}: could not reach Slack: {type(exc).__name__}: {exc}") from exc


class SlackClient:
    """One per worker process; ``WebClient`` is thread-safe and opens a connection per call (urllib)."""

    def __init__(self, settings: NotifySlackSettings):
        self._settings = settings
        token = settings.bot_token.get_secret_value() if settings.bot_token is not None else None
        self._web = WebClient(
            token=token, base_url=settings.api_url, timeout=max(1, int(settings.timeout)), retry_handlers=[]
        )

    def post_message(
        self,
        *,
        channel: str,
        text: str | None,
        blocks: list[dict[str, Any]] | None,
        thread_ts: str | None = None,
        unfurl_links: bool = False,
    ) -> PostReceipt:
        """chat.postMessage; raises the ``notify_slack.errors`` tree."""
        if self._settings.bot_token is None:
            raise SlackNotConfigured("token mode needs NOTIFY_SLACK_BOT_TOKEN")
        args: dict[str, Any] = {
            "channel": channel,
            "link_names": False,
            "parse": "none",
            "unfurl_links": unfurl_links,
            "unfurl_media": unfurl_links,
        }
        if text is not None:
            args["text"] = text
        if blocks is not None:
            args["blocks"] = blocks
        if thread_ts is not None:
            args["thread_ts"] = thread_ts
        with _web_errors("chat.postMessage"):
            response = self._web.chat_postMessage(**args)
        return PostReceipt(channel=response.get("channel"), ts=response.get("ts"))

    def post_webhook(
        self, url: str, *, text: str | None, blocks: list[dict[str, Any]] | None, unfurl_links: bool = False
    ) -> PostReceipt:
        """POST to an incoming webhook; Slack answers ``200 ok`` or a status with a one-word error body."""
        client = WebhookClient(url, timeout=max(1, int(self._settings.timeout)), retry_handlers=[])
        try:
            response = client.send(text=text, blocks=blocks, unfurl_links=unfurl_links, unfurl_media=unfurl_links)
        except (OSError, SlackClientError) as exc:
            raise SlackConnectionError(f"incoming webhook: could not reach Slack: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 200:
            return PostReceipt(channel=None, ts=None)
        body = (response.body or "").strip()[:200] or "no_body"
        raise _classify(body, response.status_code, response.headers, "incoming webhook")

    def auth_test(self) -> dict[str, Any]:
        """auth.test: who the token is (team, bot user); raises ``SlackAuthError`` for a bad token."""
        if self._settings.bot_token is None:
            raise SlackNotConfigured("auth.test needs NOTIFY_SLACK_BOT_TOKEN")
        with _web_errors("auth.test"):
            response = self._web.auth_test()
        return {k: response.get(k) for k in ("team", "team_id", "user", "user_id", "bot_id", "url")}
