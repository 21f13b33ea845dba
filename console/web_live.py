"""``/live``: the registry's ``wrk:events`` pushed to the browser over a WebSocket.

The socket is authenticated like a page (the session cookie or ``?token=``). Each Redis message is forwarded as
it is (JSON with ``seq``); the first frame is ``{"event": "hello"}`` so a reconnected page resyncs (reloads the
table), and a gap in ``seq`` tells the page it missed something and must resync too.
"""

from __future__ import annotations

import contextlib
import json

import redis.asyncio as aioredis
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from console.errors import ConsoleError
from console.web import COOKIE, services
from shared.keys import EVENTS_CHANNEL

__all__ = ["router"]

router = APIRouter()
_POLICY_VIOLATION = 1008


@router.websocket("/live")
async def live(socket: WebSocket) -> None:
    svc = services(socket)
    token = socket.cookies.get(COOKIE) or socket.query_params.get("token") or ""
    try:
        who = svc.verifier.verify(token)
    except ConsoleError:
        await socket.close(code=_POLICY_VIOLATION)
        return
    await socket.accept()
    client = aioredis.Redis.from_url(svc.settings.redis_url.get_secret_value())
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(EVENTS_CHANNEL)
        await socket.send_text(json.dumps({"event": "hello", "role": who.role}))
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15.0)
            if message is None:
                await socket.send_text(json.dumps({"event": "ping"}))
                continue
            data = message.get("data")
            await socket.send_text(data.decode() if isinstance(data, bytes) else str(data))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        with contextlib.suppress(Exception):
            await pubsub.unsubscribe(EVENTS_CHANNEL)
            await pubsub.close()
        with contextlib.suppress(Exception):
            await client.close()
