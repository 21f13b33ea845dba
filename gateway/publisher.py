"""Confirmed publishing of tasks on an asyncio AMQP channel (aio-pika) with pipelined publisher confirms.

Each message is what Celery's ``send_task`` would publish (``gateway.message.render``: the client app's routing,
protocol-2 headers and ``task-sent`` event), written on one confirm-mode channel per process: many publishes are
in flight at once and each request awaits only its own confirm (up to ``GATEWAY_PUBLISH_INFLIGHT`` unconfirmed
per process; more wait their turn). The queue a task goes to is declared once per connection, with the same
arguments as the workers', so a task sent before any worker started is kept, as with ``send_task``.

A nack, a confirm timeout or a connection failure is ``broker_unavailable`` (503): the gateway never answers 202
for a message the broker did not confirm. The connection opens on first use and, once broken, is reopened by the
next publish (``GATEWAY_PUBLISH_RETRIES`` attempts, ``GATEWAY_PUBLISH_TIMEOUT_S`` each).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, ExchangeType
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError
from celery import Celery

from gateway.config import GatewaySettings
from gateway.errors import UnavailableError
from gateway.message import Declaration, Outgoing, render
from shared.celery_app import create_client
from shared.config import WorkerSettings

__all__ = ["Publisher", "client_app"]

log = structlog.get_logger(__name__)

# ChannelInvalidStateError (a RuntimeError): the channel or connection closed under a publish
_PUBLISH_ERRORS = (AMQPError, ChannelInvalidStateError, ConnectionError, OSError, TimeoutError, asyncio.TimeoutError)


def client_app(settings: GatewaySettings) -> Celery:
    """The producer app of the gateway: renders messages (routes, queues, JSON, events); it opens no connection."""
    app = create_client(
        WorkerSettings(
            RMQ_URL=settings.rmq_url.get_secret_value(),
            REDIS_URL=settings.result_backend_url.get_secret_value(),
            WORKERS_CORE_ENV=settings.workers_core_env,
        )
    )
    # the gateway reads states from Redis itself (gateway.status); with a result backend here, every
    # send_task would subscribe to the task's result channel (two Redis round trips, never read)
    app.conf.update(result_backend=None)
    return app


class _Link:
    """One connection, its confirm-mode channel and what was declared on it."""

    def __init__(self, connection: AbstractConnection, channel: AbstractChannel) -> None:
        self.connection = connection
        self.channel = channel
        self.exchanges: dict[str, AbstractExchange] = {}
        self.declared: set[tuple[str, str | None]] = set()

    @property
    def usable(self) -> bool:
        return not self.connection.is_closed and not self.channel.is_closed

    async def exchange(self, name: str) -> AbstractExchange:
        if name not in self.exchanges:
            self.exchanges[name] = await self.channel.get_exchange(name, ensure=False)
        return self.exchanges[name]

    async def declare(self, declaration: Declaration) -> None:
        key = (declaration.exchange, declaration.queue)
        if key in self.declared:
            return
        exchange = await self.channel.declare_exchange(
            declaration.exchange, ExchangeType(declaration.exchange_type), durable=declaration.exchange_durable
        )
        self.exchanges[declaration.exchange] = exchange
        if declaration.queue is not None:
            queue = await self.channel.declare_queue(
                declaration.queue, durable=declaration.durable, arguments=declaration.arguments
            )
            await queue.bind(exchange, routing_key=declaration.routing_key)
        self.declared.add(key)


class Publisher:
    """``await publish(...)`` returns once RabbitMQ confirmed the message; raises ``UnavailableError`` otherwise."""

    def __init__(self, settings: GatewaySettings, app: Celery | None = None) -> None:
        self.settings = settings
        self.app = app or client_app(settings)
        self._link: _Link | None = None
        self._opening = asyncio.Lock()
        self._inflight = asyncio.Semaphore(settings.publish_inflight)

    async def _open(self) -> _Link:
        link = self._link
        if link is not None and link.usable:
            return link
        async with self._opening:
            if self._link is not None and self._link.usable:
                return self._link
            await self._drop()
            timeout = self.settings.publish_timeout_s
            url = self.settings.rmq_url.get_secret_value()
            connection = await asyncio.wait_for(aio_pika.connect(url, timeout=timeout), timeout)
            try:
                channel = await asyncio.wait_for(connection.channel(publisher_confirms=True), timeout)
            except _PUBLISH_ERRORS:
                await connection.close()
                raise
            self._link = _Link(connection, channel)
            return self._link

    async def _drop(self, failed: _Link | None = None) -> None:
        """Close the current link; with ``failed``, only if it is still that one (a concurrent publish may have
        opened a new link since, which must stay)."""
        if failed is not None and self._link is not failed:
            return
        link, self._link = self._link, None
        if link is not None and not link.connection.is_closed:
            try:
                await asyncio.wait_for(link.connection.close(), 1.0)
            except (*_PUBLISH_ERRORS, RuntimeError):
                log.debug("closing a broken broker connection failed")

    async def _write(self, link: _Link, message: Outgoing) -> None:
        exchange = await link.exchange(message.exchange)
        await exchange.publish(
            aio_pika.Message(
                message.body,
                headers=message.headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=aio_pika.DeliveryMode(message.delivery_mode),
                **message.properties,
            ),
            routing_key=message.routing_key,
            timeout=self.settings.publish_timeout_s,
        )

    async def _send(self, messages: list[Outgoing]) -> None:
        attempts = self.settings.publish_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                link = await self._open()
            except _PUBLISH_ERRORS:
                if attempt == attempts:
                    raise
                await asyncio.sleep(min(0.1 * attempt, 0.5))
                continue
            try:
                for declaration in (d for m in messages for d in m.declare):
                    await link.declare(declaration)
                # the task first, then its task-sent event on the same channel (in order), confirmed together
                await asyncio.gather(*(self._write(link, m) for m in messages))
                return
            except _PUBLISH_ERRORS:
                await self._drop(link)
                raise

    async def publish(self, name: str, payload: dict[str, Any], task_id: str, headers: dict[str, str]) -> None:
        messages = render(self.app, name, payload, task_id, headers)
        try:
            async with self._inflight:
                await self._send(messages)
        except _PUBLISH_ERRORS as exc:
            log.warning("publish failed", task=name, task_id=task_id, error=f"{type(exc).__name__}: {exc}")
            raise UnavailableError(
                "the broker did not confirm the task; nothing was sent, retry later",
                code="broker_unavailable",
                details={"task": name},
            ) from exc

    async def ping(self, timeout: float = 2.0) -> bool:
        """Is the broker reachable now? The open publishing connection says so; else one is opened (``/readyz``)."""
        try:
            await asyncio.wait_for(self._open(), timeout)
            return True
        except _PUBLISH_ERRORS:
            return False

    async def close(self) -> None:
        await self._drop()
