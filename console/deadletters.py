"""Dead letters: browse a tag's ``<tag>.dlq``, replay messages to their origin queue, or discard them.

Browsing takes up to ``limit`` messages without acknowledging them and closes the channel, which hands them
back to the queue unchanged. A replay republishes the message body and properties (headers, correlation id,
content type) to the task exchange with the origin queue as routing key, adds ``x-replay-count`` and, once the
broker confirmed the publish, acknowledges the dead letter. Payload fields a task declares sensitive are never
shown: the arguments go through ``console.redaction`` like the task history.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import amqp
from amqp.exceptions import ChannelError
from kombu import Connection

from celeryconfig import QUEUES, TASK_EXCHANGE, route_for
from console.errors import BrokerError, RequestRefused
from console.redaction import kept_kwargs
from shared.context import CORRELATION_HEADER

__all__ = ["REPLAY_HEADER", "DeadLetter", "DeadLetters", "Selection"]

REPLAY_HEADER: Final = "x-replay-count"
_BROKER_HEADERS: Final = ("x-delivery-count",)
_MAX: Final = 1000


@dataclass(frozen=True)
class DeadLetter:
    task_id: str
    task: str | None
    origin: str | None
    reason: str | None
    deaths: int
    delivery_count: int
    replays: int
    correlation_id: str | None
    died_at: float | None
    kwargs: dict[str, Any] | None
    headers: dict[str, Any]


@dataclass(frozen=True)
class Selection:
    """What to act on: explicit task ids, or every message matching task name / reason (``all`` = everything)."""

    ids: frozenset[str] = frozenset()
    task: str | None = None
    reason: str | None = None
    all: bool = False

    def matches(self, letter: DeadLetter) -> bool:
        if self.ids:
            return letter.task_id in self.ids
        if not (self.all or self.task or self.reason):
            return False
        return (self.task is None or letter.task == self.task) and (self.reason is None or letter.reason == self.reason)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _kwargs_of(message: amqp.Message, task: str | None) -> dict[str, Any] | None:
    try:
        body = json.loads(message.body)
    except (ValueError, TypeError):
        return {"_withheld": "body is not JSON"}
    kwargs = body[1] if isinstance(body, list) and len(body) > 1 and isinstance(body[1], dict) else None
    return kept_kwargs(task, kwargs) if kwargs is not None else None


def describe(message: amqp.Message) -> DeadLetter:
    headers = dict(message.properties.get("application_headers") or {})
    deaths = headers.get("x-death") or []
    first = deaths[0] if deaths and isinstance(deaths[0], dict) else {}
    task = headers.get("task")
    origin = headers.get("x-first-death-queue") or first.get("queue") or (route_for(task) if task else None)
    died: Any = first.get("time")
    shown = {k: _plain(v) for k, v in headers.items() if k not in ("kwargsrepr", "argsrepr")}
    return DeadLetter(
        task_id=str(headers.get("id") or message.properties.get("correlation_id") or ""),
        task=str(task) if task else None,
        origin=str(origin) if origin else None,
        reason=_plain(headers.get("x-first-death-reason") or first.get("reason")),
        deaths=int(sum(int(d.get("count", 1)) for d in deaths if isinstance(d, dict))),
        delivery_count=int(headers.get("x-delivery-count") or 0),
        replays=int(headers.get(REPLAY_HEADER) or 0),
        correlation_id=_plain(headers.get(CORRELATION_HEADER)),
        died_at=died.timestamp() if isinstance(died, datetime) else None,
        kwargs=_kwargs_of(message, str(task) if task else None),
        headers=shown,
    )


class DeadLetters:
    def __init__(self, broker_url: str, *, timeout: float = 10.0) -> None:
        self.broker_url = broker_url
        self.timeout = timeout

    @staticmethod
    def queue_of(tag: str) -> str:
        if tag not in QUEUES:
            raise RequestRefused(f"unknown worker tag {tag!r}")
        return QUEUES[tag].dlq

    def _with_messages(self, tag: str, limit: int, act: Callable[[Any, list[amqp.Message]], Any]) -> Any:
        queue = self.queue_of(tag)
        try:
            with Connection(self.broker_url, connect_timeout=self.timeout) as conn:
                conn.ensure_connection(max_retries=1, timeout=self.timeout)
                channel = conn.connection.channel()
                try:
                    got: list[amqp.Message] = []
                    while len(got) < min(limit, _MAX):
                        message = channel.basic_get(queue, no_ack=False)
                        if message is None:
                            break
                        got.append(message)
                    return act(channel, got)
                finally:
                    if channel.is_open:
                        channel.close()  # what was not acknowledged goes back to the queue as it was
        except ChannelError as exc:
            raise BrokerError(f"{queue}: {exc}") from exc
        except OSError as exc:
            raise BrokerError(f"broker unreachable: {exc}") from exc

    def browse(self, tag: str, *, limit: int = 100) -> list[DeadLetter]:
        return list(self._with_messages(tag, limit, lambda _channel, got: [describe(m) for m in got]))

    def replay(self, tag: str, selection: Selection, *, limit: int = _MAX) -> list[str]:
        """Republish the selected dead letters to their origin queue; returns their task ids."""

        def act(channel: Any, got: list[amqp.Message]) -> list[str]:
            channel.confirm_select()
            done: list[str] = []
            for message in got:
                letter = describe(message)
                if not selection.matches(letter):
                    continue
                origin = letter.origin if letter.origin in QUEUES else route_for(letter.task or "")
                if origin is None:
                    raise RequestRefused(f"no origin queue known for dead letter {letter.task_id}")
                channel.basic_publish_confirm(
                    _replayed(message), exchange=TASK_EXCHANGE.name, routing_key=origin, mandatory=True
                )
                channel.basic_ack(message.delivery_tag)
                done.append(letter.task_id)
            return done

        return list(self._with_messages(tag, limit, act))

    def discard(self, tag: str, selection: Selection, *, limit: int = _MAX) -> list[str]:
        def act(channel: Any, got: list[amqp.Message]) -> list[str]:
            done = []
            for message in got:
                letter = describe(message)
                if selection.matches(letter):
                    channel.basic_ack(message.delivery_tag)
                    done.append(letter.task_id)
            return done

        return list(self._with_messages(tag, limit, act))


def _replayed(message: amqp.Message) -> amqp.Message:
    props = dict(message.properties)
    headers = {k: v for k, v in dict(props.pop("application_headers", None) or {}).items() if k not in _BROKER_HEADERS}
    headers[REPLAY_HEADER] = int(headers.get(REPLAY_HEADER) or 0) + 1
    headers["x-replayed-at"] = time.time()
    props["delivery_mode"] = 2
    return amqp.Message(message.body, application_headers=headers, **props)
