"""Queue facts for the queues page: depth, consumers, dead-letter depth and the age of the oldest message.

Only dead-letter queues are peeked for their head message: a task queue is a quorum queue with a delivery
limit, and every message handed back counts as a delivery there, so its oldest waiting message is read from the
task history instead (the oldest task sent to it and not received yet, ``HistoryStore.oldest_waiting``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from amqp.exceptions import ChannelError
from kombu import Connection

from celeryconfig import QUEUES
from console.errors import BrokerError

__all__ = ["QueueFacts", "queue_facts"]

#: header ``shared.signals`` stamps on every task it publishes (epoch seconds)
SENT_AT_HEADER = "x-sent-at"


@dataclass(frozen=True)
class QueueFacts:
    tag: str
    depth: int | None
    consumers: int | None
    dlq_depth: int | None
    oldest_age: float | None
    dlq_oldest_age: float | None


def _peek_age(channel: Any, queue: str, now: float) -> float | None:
    """Age of the head message (``x-sent-at``, or the dead-lettering time); the message stays in the queue."""
    message = channel.basic_get(queue, no_ack=False)
    if message is None:
        return None
    headers = message.properties.get("application_headers") or {}
    deaths = headers.get("x-death") or []
    stamp: Any = headers.get(SENT_AT_HEADER)
    if stamp is None and deaths and isinstance(deaths[0], dict):
        died: Any = deaths[0].get("time")
        stamp = died.timestamp() if isinstance(died, datetime) else None
    channel.basic_reject(message.delivery_tag, requeue=True)
    return None if stamp is None else round(max(now - float(stamp), 0.0), 3)


def _declare(conn: Connection, queue: str, now: float, *, peek: bool) -> tuple[int | None, int | None, float | None]:
    channel = conn.connection.channel()
    try:
        _, messages, consumers = channel.queue_declare(queue=queue, passive=True)
        age = _peek_age(channel, queue, now) if messages and peek else None
        return int(messages), int(consumers), age
    except ChannelError:
        return None, None, None
    finally:
        if channel.is_open:
            channel.close()


def queue_facts(
    broker_url: str, *, waiting_since: dict[str, float] | None = None, timeout: float = 5.0
) -> list[QueueFacts]:
    """Facts of every tag's queue and DLQ; ``waiting_since``: queue -> epoch of its oldest waiting task."""
    now = time.time()
    waiting = waiting_since or {}
    out: list[QueueFacts] = []
    try:
        with Connection(broker_url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            for tag, spec in QUEUES.items():
                depth, consumers, _ = _declare(conn, spec.tag, now, peek=False)
                dlq_depth, _, dlq_age = _declare(conn, spec.dlq, now, peek=True)
                since = waiting.get(spec.tag)
                age = round(max(now - since, 0.0), 3) if since is not None and depth else None
                out.append(QueueFacts(tag, depth, consumers, dlq_depth, age, dlq_age))
    except OSError as exc:
        raise BrokerError(f"broker unreachable: {exc}") from exc
    return out
