"""Server-sent events of one task: ``event: state`` on every change, ``event: end`` at a final state.

The stream subscribes to the result backend's channel of the task (Celery's Redis backend publishes every
state write there) and re-reads the state on each message, and at least every ``GATEWAY_EVENTS_POLL_S``
(a message published before the subscription is never missed). Comments (``: keep-alive``) keep proxies
from closing an idle stream; the stream ends at a final state, on client disconnect, or after
``GATEWAY_EVENTS_MAX_DURATION_S`` (``event: timeout``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request

from gateway.runtime import Runtime
from gateway.status import FINAL_STATES
from gateway.store import TaskRecord

__all__ = ["event_stream", "sse", "subscribe"]


def sse(event: str, data: Any) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def subscribe(runtime: Runtime, record: TaskRecord) -> Any:
    """The subscription of a stream, made before the 200 is sent (a Redis failure is still a 503 answer)."""
    pubsub = runtime.streams.pubsub()
    try:
        await pubsub.subscribe(runtime.status.channel(record.task_id))
    except BaseException:
        await pubsub.aclose()  # type: ignore[attr-defined]  # types-redis predates aclose()
        raise
    return pubsub


async def event_stream(runtime: Runtime, record: TaskRecord, request: Request, pubsub: Any) -> AsyncIterator[bytes]:
    settings = runtime.settings
    started = last_sent = time.monotonic()
    last_state: str | None = None
    try:
        while True:
            view = await runtime.status.view(record)
            if view["state"] != last_state:
                last_state = view["state"]
                last_sent = time.monotonic()
                yield sse("state", view)
                if last_state in FINAL_STATES:
                    yield sse("end", view)
                    return
            now = time.monotonic()
            if now - started > settings.events_max_duration_s:
                yield sse("timeout", {"task_id": record.task_id, "state": last_state})
                return
            if now - last_sent >= settings.events_keepalive_s:
                last_sent = now
                yield b": keep-alive\n\n"
            if await request.is_disconnected():
                return
            await pubsub.get_message(ignore_subscribe_messages=True, timeout=settings.events_poll_s)
    finally:
        await pubsub.aclose()
