"""The worker registry's API, read with the console's ``workers:read`` token (``CONSOLE_REGISTRY_TOKEN``).

The workers list is cached for ``CONSOLE_REGISTRY_CACHE_SECONDS`` (1 s by default, 0 = off) and fetched by one
request at a time: every open workers page resyncs on each registry event, and a burst of events (a deploy)
must not turn into a burst of 1,000-instance reads.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from console.config import ConsoleSettings
from console.errors import RegistryUnavailable

__all__ = ["RegistryClient"]


class RegistryClient:
    def __init__(self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        token = settings.registry_token.get_secret_value() if settings.registry_token else None
        self._http = httpx.AsyncClient(
            base_url=settings.registry_url.rstrip("/"),
            timeout=settings.registry_timeout,
            headers={"Authorization": f"Bearer {token}"} if token else {},
            transport=transport,
        )
        self._ttl = settings.registry_cache_seconds
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def _get(self, path: str) -> Any:
        try:
            answer = await self._http.get(path)
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"registry unreachable: {exc}") from exc
        if answer.status_code != 200:
            raise RegistryUnavailable(f"registry answered {answer.status_code} on {path}: {answer.text[:200]}")
        return answer.json()

    async def workers(self) -> dict[str, Any]:
        """``GET /v1/workers``: every tag with its aggregate and instances (at most ``ttl`` seconds old)."""
        async with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < self._ttl:
                return self._cached[1]
            found: dict[str, Any] = await self._get("/v1/workers")
            self._cached = (time.monotonic(), found)
            return found

    async def scaling(self) -> dict[str, Any]:
        """``GET /v1/scaling``: the desired replicas of every tag (empty when the registry has none)."""
        try:
            found: dict[str, Any] = await self._get("/v1/scaling")
        except RegistryUnavailable:
            return {}
        return found

    async def close(self) -> None:
        await self._http.aclose()
