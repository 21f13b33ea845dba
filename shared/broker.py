"""Broker facts read by passive declares: queue depth and consumers (worker metrics, the registry, the CLI)."""

from __future__ import annotations

from collections.abc import Iterable

from amqp.exceptions import ChannelError
from kombu import Connection

__all__ = ["queue_depths"]


def queue_depths(broker_url: str, names: Iterable[str], *, timeout: float = 5.0) -> dict[str, tuple[int, int]]:
    """(ready messages, consumers) per existing queue; a queue that does not exist is left out."""
    out: dict[str, tuple[int, int]] = {}
    with Connection(broker_url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        for name in names:
            channel = conn.channel()
            try:
                _, messages, consumers = channel.queue_declare(queue=name, passive=True)
                out[name] = (int(messages), int(consumers))
            except ChannelError:  # 404 NOT_FOUND closes the channel
                continue
            finally:
                if channel.is_open:
                    channel.close()
    return out
