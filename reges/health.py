"""Deep health checks of the ``reges`` worker (run by /readyz?deep=true with a 5 s timeout)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from reges.config import RegesSettings
from reges.runtime import build_tokens
from shared.health import DeepCheck

__all__ = ["KeycloakCheck", "deep_checks"]

CACHE_SECONDS = 30.0


class KeycloakCheck:
    """A password-grant token can be obtained; the verdict is cached ``CACHE_SECONDS`` (it runs in the parent)."""

    def __init__(self, settings: RegesSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    def __call__(self) -> Mapping[str, Any]:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < CACHE_SECONDS:
                return self._cached[1]
            tokens = build_tokens(self.settings)
            try:
                token = tokens.token()
            finally:
                tokens.http.close()
            verdict = {"token": "ok", "length": len(token)}
            self._cached = (time.monotonic(), verdict)
            return verdict


def deep_checks(settings: RegesSettings) -> list[DeepCheck]:
    return [DeepCheck("reges-keycloak", KeycloakCheck(settings))]
