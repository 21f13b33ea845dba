"""Confirmed publishing of tasks: Celery's ``send_task`` in a thread pool (py-amqp waits for each confirm).

The client app is ``shared.celery_app.create_client`` (same queues, routes, JSON, ``confirm_publish``), with
short connect/confirm timeouts and a bounded reconnect policy so a broker outage answers 503 within seconds
instead of blocking the request. A nack, a confirm timeout or a connection failure is ``broker_unavailable``:
the gateway never answers 202 for a message the broker did not confirm.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from amqp.exceptions import AMQPError, MessageNacked
from celery import Celery
from kombu.exceptions import KombuError

from gateway.config import GatewaySettings
from gateway.errors import UnavailableError
from shared.celery_app import create_client
from shared.config import WorkerSettings

__all__ = ["Publisher", "client_app"]

log = structlog.get_logger(__name__)

_PUBLISH_ERRORS = (KombuError, AMQPError, MessageNacked, OSError, socket.timeout, TimeoutError)


def client_app(settings: GatewaySettings) -> Celery:
    """The producer app of the gateway (publishing only: no result backend)."""
    app = create_client(
        WorkerSettings(
            RMQ_URL=settings.rmq_url.get_secret_value(),
            REDIS_URL=settings.result_backend_url.get_secret_value(),
            WORKERS_CORE_ENV=settings.workers_core_env,
        )
    )
    app.conf.update(
        # the gateway reads states from Redis itself (gateway.status); with a result backend here, every
        # send_task would subscribe to the task's result channel (two Redis round trips, never read)
        result_backend=None,
        broker_pool_limit=settings.publish_threads,
        broker_connection_timeout=settings.publish_timeout_s,
        broker_connection_retry=False,
        task_publish_retry_policy={
            "max_retries": settings.publish_retries,
            "interval_start": 0.1,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
    )
    return app


class Publisher:
    """``await publish(...)`` returns once RabbitMQ confirmed the message; raises ``UnavailableError`` otherwise."""

    def __init__(self, settings: GatewaySettings, app: Celery | None = None) -> None:
        self.settings = settings
        self.app = app or client_app(settings)
        self.executor = ThreadPoolExecutor(settings.publish_threads, thread_name_prefix="gateway-publish")

    def _send(self, name: str, payload: dict[str, Any], task_id: str, headers: dict[str, str]) -> None:
        self.app.send_task(
            name,
            kwargs=payload,
            task_id=task_id,
            headers=headers,
            # never repr() the payload into the message headers (contracts mark fields sensitive): names only
            argsrepr="()",
            kwargsrepr="{" + ", ".join(sorted(payload)) + "}",
            confirm_timeout=self.settings.publish_timeout_s,
            timeout=self.settings.publish_timeout_s,
        )

    async def publish(self, name: str, payload: dict[str, Any], task_id: str, headers: dict[str, str]) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.executor, self._send, name, payload, task_id, headers)
        except _PUBLISH_ERRORS as exc:
            log.warning("publish failed", task=name, task_id=task_id, error=f"{type(exc).__name__}: {exc}")
            raise UnavailableError(
                "the broker did not confirm the task; nothing was sent, retry later",
                code="broker_unavailable",
                details={"task": name},
            ) from exc

    def ping(self, timeout: float = 2.0) -> bool:
        """Can a broker connection be opened now? (``/readyz``; blocking, call it in a thread.)"""
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=timeout)
            return True
        except _PUBLISH_ERRORS:
            return False

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.app.close()
