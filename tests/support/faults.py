"""Helpers of the fault tests: a broker or Redis URL that goes through a cuttable ``TcpProxy``, queue depths."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from kombu import Connection

from shared.broker import queue_depths
from tests.support.proxy import TcpProxy


def through(url: str, proxy: TcpProxy) -> str:
    """``url`` with its host and port replaced by the proxy's loopback port (credentials, path kept)."""
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}"))


def proxy_for(url: str, make: Callable[[str, int], TcpProxy]) -> TcpProxy:
    parts = urlsplit(url)
    return make(parts.hostname or "127.0.0.1", parts.port or 0)


def ready_count(broker_url: str, queue: str) -> int:
    return queue_depths(broker_url, [queue]).get(queue, (0, 0))[0]


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def drain(broker_url: str, queue: str, timeout: float = 5.0) -> list[dict[str, object]]:
    """Take every message of ``queue`` (acked): headers, properties and raw body."""
    out: list[dict[str, object]] = []
    with Connection(broker_url) as conn:
        channel = conn.channel()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                if out:
                    break
                time.sleep(0.1)
                continue
            headers = dict(message.properties.get("application_headers") or {})
            out.append({"headers": headers, "properties": dict(message.properties), "body": message.body})
    return out
