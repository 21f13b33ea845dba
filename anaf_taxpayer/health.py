"""Deep health checks of the ``anaf.taxpayer`` worker (run by /readyz?deep=true with a 5 s timeout).

They run in the worker's parent process, where no service is built: each check opens what it needs and
closes it. ``redis`` also reports how many lookups wait for a registry batch; ``anaf-registry-host`` reaches
webservicesp.anaf.ro without spending a registry slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis

from anaf_core import AnafSettings, load_anaf_settings
from anaf_taxpayer.config import TaxpayerSettings
from shared.health import DeepCheck
from shared.keys import taxpayer_key

__all__ = ["deep_checks"]


def _redis(anaf: AnafSettings) -> Mapping[str, Any]:
    client = redis.Redis.from_url(anaf.redis_url.get_secret_value(), socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
        pending = client.zcard(taxpayer_key(anaf.redis_namespace, "pending"))
    finally:
        client.close()
    return {"pending_lookups": pending}


def _registry_host(anaf: AnafSettings) -> Mapping[str, Any]:
    """A HEAD on the registry host's root: reachability without a registry call."""
    parts = urlsplit(anaf.registry_url)
    response = httpx.head(f"{parts.scheme}://{parts.netloc}/", timeout=4.0, follow_redirects=False)
    return {"host": parts.netloc, "status": response.status_code}


def deep_checks(_settings: TaxpayerSettings) -> list[DeepCheck]:
    anaf = load_anaf_settings()
    return [
        DeepCheck("redis", lambda: _redis(anaf), timeout=5.0),
        DeepCheck("anaf-registry-host", lambda: _registry_host(anaf), timeout=5.0),
    ]
