"""Fake Slack speaking real HTTP on loopback: ``chat.postMessage``, ``auth.test`` and incoming webhooks.

Behaves as Slack documents it: Web API answers HTTP 200 with ``{"ok": false, "error": "..."}`` for
refusals (``not_authed``, ``invalid_auth``, ``channel_not_found``, ``is_archived``, ``no_text``,
``msg_too_long``, ``invalid_blocks`` with ``response_metadata.messages``), HTTP 429 + ``Retry-After`` and
``{"ok": false, "error": "ratelimited"}`` over its per-channel limit; webhooks answer ``200 ok`` or a
status with a one-word body (``invalid_payload``, ``no_text``, ``no_service``, ``channel_not_found``,
``channel_is_archived``, ``action_prohibited``, ``rate_limited``). Every request is recorded; failures
can be scripted. slack-sdk talks to it through ``base_url`` / the webhook URL.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TOKEN = "xoxb-1111-2222-fake-token"
MAX_TEXT = 40_000
MAX_BLOCKS = 50
BLOCK_TYPES = {
    "section",
    "header",
    "divider",
    "context",
    "actions",
    "image",
    "rich_text",
    "markdown",
    "video",
    "file",
    "input",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Recorded:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Posted:
    """A message Slack accepted."""

    channel: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    via: str
    ts: str
    thread_ts: str | None
    at: float
    params: dict[str, Any]


@dataclass
class Scripted:
    status: int
    error: str
    retry_after: int | None = None


class FakeSlack:
    """``start()`` serves on 127.0.0.1:<port>; ``api_url`` is the Web API base, ``webhook_url(channel)`` a hook."""

    def __init__(
        self,
        *,
        channels: dict[str, str] | None = None,
        archived: set[str] | None = None,
        rate_per_second: float | None = None,
        burst: int = 1,
        retry_after: int = 1,
    ):
        self.port = free_port()
        self.channels = channels or {"general": "C0000GENERAL", "alerte": "C0000ALERTE", "facturi": "C0000FACTURI"}
        self.archived = archived or set()
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.retry_after = retry_after
        self.requests: list[Recorded] = []
        self.posted: list[Posted] = []
        self.rate_limited = 0
        self.script: deque[Scripted] = deque()
        self.webhooks: dict[str, str] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._seq = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- addresses and script -----------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def webhook_url(self, channel: str) -> str:
        """A new incoming webhook bound to ``channel`` (like installing one in the Slack UI)."""
        secret = f"fakeSecret{len(self.webhooks):04d}{channel.upper()[:6]}"
        path = f"/services/T0000FAKE/B{len(self.webhooks):07d}/{secret}"
        self.webhooks[path] = self._channel_id(channel) or channel
        return self.base + path

    def fail_next(
        self, status: int = 429, error: str = "ratelimited", *, times: int = 1, retry_after: int | None = 1
    ) -> None:
        for _ in range(times):
            self.script.append(Scripted(status, error, retry_after))

    # --- Slack semantics ------------------------------------------------------------------------
    def _channel_id(self, name: str) -> str | None:
        key = name.lstrip("#").lower()
        if key in self.channels:
            return self.channels[key]
        return name if name in self.channels.values() else None

    def _next_ts(self) -> str:
        with self._lock:
            self._seq += 1
            return f"{int(time.time())}.{self._seq:06d}"

    def _over_limit(self, channel: str) -> bool:
        """Token bucket per channel, like Slack's ~1 message/s per channel with short bursts."""
        if self.rate_per_second is None:
            return False
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(channel, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_second)
            if tokens < 0.95:  # a few ms of network jitter is not a violation
                self._buckets[channel] = (tokens, now)
                return True
            self._buckets[channel] = (tokens - 1.0, now)
            return False

    @staticmethod
    def _blocks_problem(blocks: Any) -> str | None:
        if not isinstance(blocks, list):
            return "[ERROR] must be an array [json-pointer:/blocks]"
        if len(blocks) > MAX_BLOCKS:
            return f"[ERROR] no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"
        for i, block in enumerate(blocks):
            if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
                kind = block.get("type") if isinstance(block, dict) else type(block).__name__
                return f"[ERROR] unsupported type: {kind} [json-pointer:/blocks/{i}/type]"
            text = block.get("text")
            if block["type"] == "section" and isinstance(text, dict) and len(str(text.get("text", ""))) > 3000:
                return f"[ERROR] must be less than 3001 characters [json-pointer:/blocks/{i}/text/text]"
        return None

    async def _record(self, request: Request, status: int) -> None:
        body = await request.body()
        self.requests.append(Recorded(request.url.path, dict(request.headers), body, status))

    async def _params(self, request: Request) -> tuple[dict[str, Any], bool]:
        """Arguments from JSON or form bodies; the flag says whether the JSON lacked a charset."""
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        if content_type.startswith("application/json"):
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return {"__invalid__": True}, False
            return (data if isinstance(data, dict) else {"__invalid__": True}), "charset" not in content_type
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if "blocks" in form:
            try:
                form["blocks"] = json.loads(form["blocks"])
            except ValueError:
                form["blocks"] = "not json"
        return form, False

    def _token(self, request: Request, params: dict[str, Any]) -> str | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        token = params.get("token")
        return str(token) if token else None

    def _api_error(self, error: str, status: int = 200, **extra: Any) -> JSONResponse:
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(extra.pop("retry_after", self.retry_after))
        return JSONResponse({"ok": False, "error": error, **extra}, status_code=status, headers=headers)

    async def chat_post_message(self, request: Request) -> Response:
        params, missing_charset = await self._params(request)
        response = self._chat_post_message(request, params, missing_charset)
        await self._record(request, response.status_code)
        return response

    def _chat_post_message(self, request: Request, params: dict[str, Any], missing_charset: bool) -> Response:
        if params.get("__invalid__"):
            return self._api_error("invalid_json")
        token = self._token(request, params)
        if not token:
            return self._api_error("not_authed")
        if token != TOKEN:
            return self._api_error("invalid_auth")
        if self.script:
            step = self.script.popleft()
            if step.status == 429:
                return self._api_error(step.error, 429, retry_after=step.retry_after or 1)
            return self._api_error(step.error, step.status)
        name = str(params.get("channel") or "")
        channel = self._channel_id(name) if name else None
        if channel is None:
            return self._api_error("channel_not_found")
        if channel in self.archived:
            return self._api_error("is_archived")
        text, blocks = params.get("text"), params.get("blocks")
        if not text and not blocks and not params.get("attachments"):
            return self._api_error("no_text")
        if text is not None and len(str(text)) > MAX_TEXT:
            return self._api_error("msg_too_long")
        if blocks is not None:
            problem = self._blocks_problem(blocks)
            if problem:
                return self._api_error(
                    "invalid_blocks", errors=[problem.split("] ", 1)[1]], response_metadata={"messages": [problem]}
                )
        if self._over_limit(channel):
            self.rate_limited += 1
            return self._api_error("ratelimited", 429)
        ts = self._next_ts()
        self.posted.append(
            Posted(channel, text, blocks, "chat.postMessage", ts, params.get("thread_ts"), time.time(), params)
        )
        body: dict[str, Any] = {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {
                "type": "message",
                "subtype": "bot_message",
                "text": text or "",
                "bot_id": "B0000FAKE",
                "user": "U0000BOT",
                "ts": ts,
                **({"blocks": blocks} if blocks else {}),
            },
        }
        if missing_charset:
            body["warning"] = "missing_charset"
            body["response_metadata"] = {"warnings": ["missing_charset"]}
        return JSONResponse(body)

    async def auth_test(self, request: Request) -> Response:
        params, _ = await self._params(request)
        token = self._token(request, params)
        if not token:
            response: Response = self._api_error("not_authed")
        elif token != TOKEN:
            response = self._api_error("invalid_auth")
        else:
            response = JSONResponse(
                {
                    "ok": True,
                    "url": "https://firma-test.slack.com/",
                    "team": "Firma Test",
                    "user": "workers-core",
                    "team_id": "T0000FAKE",
                    "user_id": "U0000BOT",
                    "bot_id": "B0000FAKE",
                    "is_enterprise_install": False,
                }
            )
        await self._record(request, response.status_code)
        return response

    async def webhook(self, request: Request) -> Response:
        response = await self._webhook(request)
        await self._record(request, response.status_code)
        return response

    async def _webhook(self, request: Request) -> Response:
        channel = self.webhooks.get(request.url.path)
        if channel is None:
            return PlainTextResponse("no_service", status_code=404)
        if self.script:
            step = self.script.popleft()
            headers = {"Retry-After": str(step.retry_after or 1)} if step.status == 429 else {}
            return PlainTextResponse(step.error, status_code=step.status, headers=headers)
        try:
            data = json.loads(await request.body())
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        if not isinstance(data, dict):
            return PlainTextResponse("invalid_payload", status_code=400)
        if channel in self.archived:
            return PlainTextResponse("channel_is_archived", status_code=410)
        if not data.get("text") and not data.get("blocks") and not data.get("attachments"):
            return PlainTextResponse("no_text", status_code=400)
        if data.get("blocks") is not None and self._blocks_problem(data["blocks"]):
            return PlainTextResponse("invalid_blocks", status_code=400)
        if self._over_limit(channel):
            self.rate_limited += 1
            return PlainTextResponse("rate_limited", status_code=429, headers={"Retry-After": str(self.retry_after)})
        self.posted.append(
            Posted(channel, data.get("text"), data.get("blocks"), "webhook", self._next_ts(), None, time.time(), data)
        )
        return PlainTextResponse("ok", headers={"content-type": "text/html"})

    # --- server -----------------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/chat.postMessage", self.chat_post_message, methods=["POST"]),
                Route("/api/auth.test", self.auth_test, methods=["POST", "GET"]),
                Route("/services/{team}/{bot}/{secret}", self.webhook, methods=["POST"]),
            ]
        )

    def start(self) -> FakeSlack:
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-slack", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Slack did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Posted]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.posted) >= count:
                return list(self.posted)
            time.sleep(0.02)
        raise TimeoutError(f"expected {count} posted messages, got {len(self.posted)}")
