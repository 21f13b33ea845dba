"""Helpers of the fault tests: a URL through a cuttable ``TcpProxy``, queue depths, the scenario table row."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class FaultRow:
    """One scenario of the fault suite: what was sent, completed, lost, done twice, and the time to recover."""

    name: str
    sent: int
    completed: int
    lost: int
    twice: int
    recovery_s: float
    note: str = ""

    def line(self) -> str:
        tail = f" ({self.note})" if self.note else ""
        return (
            f"fault {self.name}: sent {self.sent} completed {self.completed} lost {self.lost} "
            f"twice {self.twice} recovery {self.recovery_s:.1f} s{tail}"
        )


def report(row: FaultRow) -> FaultRow:
    """Print the row (``-s`` shows it) and append it to ``$FAULTS_REPORT`` when set (docs/faults.md's table)."""
    print(row.line())
    target = os.environ.get("FAULTS_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(row.line() + "\n")
    return row
