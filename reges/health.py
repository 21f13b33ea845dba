"""Deep health checks of the ``reges`` worker (run by /readyz?deep=true with a 5 s timeout)."""

from __future__ import annotations

from typing import Any

from reges.config import RegesSettings
from reges.runtime import build_tokens
from shared.health import CachedCheck, DeepCheck

__all__ = ["KeycloakCheck", "deep_checks"]

CACHE_SECONDS = 30.0


class KeycloakCheck(CachedCheck):
    """A password-grant token can be obtained; the verdict is cached ``CACHE_SECONDS`` (it runs in the parent)."""

    def __init__(self, settings: RegesSettings):
        super().__init__(self._probe, seconds=CACHE_SECONDS)
        self.settings = settings

    def _probe(self) -> dict[str, Any]:
        tokens = build_tokens(self.settings)
        try:
            token = tokens.token()
        finally:
            tokens.http.close()
        return {"token": "ok", "length": len(token)}


def deep_checks(settings: RegesSettings) -> list[DeepCheck]:
    return [DeepCheck("reges-keycloak", KeycloakCheck(settings))]
