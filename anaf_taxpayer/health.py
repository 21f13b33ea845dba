"""Deep health checks of the `anaf.taxpayer` worker (run by /readyz?deep=true with a 5 s timeout)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis

from anaf_core import get_anaf_settings
from shared.health import DeepCheck

__all__ = ["DEEP_CHECKS"]


def _redis() -> Mapping[str, Any]:
    settings = get_anaf_settings()
    client = redis.Redis.from_url(
        settings.redis_url.get_secret_value(), socket_timeout=3, socket_connect_timeout=3
    )
    try:
        client.ping()
        pending = client.zcard(f"{settings.redis_namespace}:taxpayer:pending")
    finally:
        client.close()
    return {"pending_lookups": pending}


def _registry_host() -> Mapping[str, Any]:
    """Reaches webservicesp.anaf.ro without spending a registry slot (a HEAD on the host root)."""
    parts = urlsplit(get_anaf_settings().registry_url)
    root = f"{parts.scheme}://{parts.netloc}/"
    response = httpx.head(root, timeout=4.0, follow_redirects=False)
    return {"host": parts.netloc, "status": response.status_code}


DEEP_CHECKS: list[DeepCheck] = [
    DeepCheck("redis", _redis, timeout=5.0),
    DeepCheck("anaf-registry-host", _registry_host, timeout=5.0),
]
