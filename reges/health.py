"""Deep health checks of the ``reges`` worker (run by /readyz?deep=true with a 5 s timeout)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from reges.config import get_settings
from reges.runtime import build_client
from shared.health import DeepCheck

__all__ = ["DEEP_CHECKS"]

_CACHE: dict[str, Any] = {}


def _keycloak_token() -> Mapping[str, Any]:
    """A password-grant token can be obtained (cached 30 s: the check runs in the worker's parent)."""
    if _CACHE.get("at", 0) > time.monotonic() - 30:
        return _CACHE["verdict"]  # type: ignore[no-any-return]
    http, _client = build_client(get_settings())
    try:
        auth = http.auth
        token = auth.tokens.token()  # type: ignore[union-attr]
    finally:
        http.close()
    verdict = {"token": "ok", "length": len(token)}
    _CACHE.update(at=time.monotonic(), verdict=verdict)
    return verdict


DEEP_CHECKS: list[DeepCheck] = [DeepCheck("reges-keycloak", _keycloak_token)]
