"""Everything one gateway process holds: settings, verifier, catalog, Redis clients, stores and the publisher."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.auth import TokenVerifier
from gateway.catalog import Catalog
from gateway.config import GatewaySettings
from gateway.idempotency import IdempotencyStore
from gateway.metrics import GatewayMetrics
from gateway.publisher import Publisher
from gateway.status import StatusReader
from gateway.store import CallerLimiter, TaskRecords

__all__ = ["Runtime"]


def _client(url: str, max_connections: int) -> aioredis.Redis[bytes]:
    pool: aioredis.BlockingConnectionPool[Any] = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=5.0,
        socket_timeout=5.0,
        socket_connect_timeout=2.0,
        health_check_interval=30,
    )
    return aioredis.Redis(connection_pool=pool)


class Runtime:
    """Built when the app is created; Redis connects lazily, the publisher's pool opens on first use."""

    def __init__(self, settings: GatewaySettings, *, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.verifier = TokenVerifier(settings)
        self.catalog = catalog or Catalog.load()
        self.metrics = GatewayMetrics(settings.workers)
        # commands wait for a free connection (a burst never fails with "too many connections"); streams hold
        # one subscription each, from a pool of their own
        self.redis = _client(settings.redis_url.get_secret_value(), settings.redis_max_connections)
        self.backend = _client(settings.result_backend_url.get_secret_value(), settings.redis_max_connections)
        self.streams = aioredis.Redis.from_url(
            settings.result_backend_url.get_secret_value(),
            max_connections=settings.events_max_streams,
            socket_connect_timeout=2.0,
        )
        self.limiter = CallerLimiter(
            self.redis,
            rate=settings.rate_per_second,
            burst=settings.rate_burst,
            tenant_rate=settings.tenant_rate_per_second,
            tenant_burst=settings.tenant_rate_burst,
        )
        self.idempotency = IdempotencyStore(
            self.redis, ttl_s=settings.idempotency_ttl_s, wait_s=settings.idempotency_wait_s
        )
        self.records = TaskRecords(self.redis, ttl_s=settings.task_record_ttl_s)
        self.status = StatusReader(self.backend)
        self._publisher: Publisher | None = None

    @property
    def publisher(self) -> Publisher:
        if self._publisher is None:
            self._publisher = Publisher(self.settings)
        return self._publisher

    def status_path(self, task_id: str) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/v1/tasks/{task_id}"

    async def readiness(self) -> dict[str, bool]:
        """``{"redis": ok, "broker": ok}`` (``/readyz``)."""
        try:
            redis_ok = bool(await self.redis.ping())
        except (RedisError, OSError):
            redis_ok = False
        broker_ok = await self.publisher.ping()
        return {"redis": redis_ok, "broker": broker_ok}

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()
        for client in (self.redis, self.backend, self.streams):
            await client.aclose()  # type: ignore[attr-defined]  # types-redis predates aclose()
