"""The worker registry's API, read with the console's ``workers:read`` token (``CONSOLE_REGISTRY_TOKEN``)."""

from __future__ import annotations

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

    async def _get(self, path: str) -> Any:
        try:
            answer = await self._http.get(path)
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"registry unreachable: {exc}") from exc
        if answer.status_code != 200:
            raise RegistryUnavailable(f"registry answered {answer.status_code} on {path}: {answer.text[:200]}")
        return answer.json()

    async def workers(self) -> dict[str, Any]:
        """``GET /v1/workers``: every tag with its aggregate and instances."""
        found: dict[str, Any] = await self._get("/v1/workers")
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
