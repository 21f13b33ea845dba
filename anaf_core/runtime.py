"""``AnafRuntime``: the bundle every ANAF worker's services hold (Redis, limiters, quotas, tokens, clients).

A worker builds one per process inside its ``services(settings)`` (``AnafRuntime.create``); health checks and
the CLI build their own. Nothing here is a module-level singleton.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import redis
from cryptography import x509

from anaf_core.config import AnafSettings
from anaf_core.http import build_client
from anaf_core.quota import DailyQuota
from anaf_core.signature import load_pinned_certificates
from anaf_core.tokens import RedisTokenStore, TokenManager
from shared.keys import rate_key
from shared.ratelimit import GcraLimiter

__all__ = ["AnafRuntime"]


@dataclass
class AnafRuntime:
    """Built once per worker process by the worker's services; tests build one from explicit settings.

    - ``registry_limiter``: 1 request / ``registry_interval_s`` for webservicesp.anaf.ro (all replicas).
    - ``api_limiter``: ``api_calls_per_minute`` for api.anaf.ro (shared by e-Factura and e-Transport).
    - ``quota(name, cap)``: a per-subject daily cap (``stare``, ``download``, ``list``...).
    - ``api_client(base_url)``: bearer auth (refresh + replay on 401/403) + the api limiter.
    """

    settings: AnafSettings
    redis_client: redis.Redis[bytes]
    tokens: TokenManager
    registry_limiter: GcraLimiter
    api_limiter: GcraLimiter
    oauth_http: httpx.Client
    _clients: dict[str, httpx.Client] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: AnafSettings, *, redis_client: redis.Redis[bytes] | None = None) -> AnafRuntime:
        client = redis_client or redis.Redis.from_url(
            settings.redis_url.get_secret_value(),
            socket_timeout=10,
            socket_connect_timeout=5,
            health_check_interval=30,
            max_connections=settings.redis_max_connections,
        )
        ns = settings.redis_namespace
        oauth_http = build_client(settings)
        tokens = TokenManager(
            settings,
            RedisTokenStore(client, settings.oauth_client_key, namespace=ns),
            lock_client=client,
            http=oauth_http,
        )
        registry_limiter = GcraLimiter(
            client,
            rate_key(ns, "registry"),
            rate=1,
            period=settings.registry_interval_s,
            max_wait=settings.limiter_max_wait_s,
            space_after_completion=True,
        )
        api_limiter = GcraLimiter(
            client,
            rate_key(ns, "api"),
            rate=settings.api_calls_per_minute,
            period=60.0,
            burst=settings.api_burst,
            max_wait=settings.limiter_max_wait_s,
        )
        return cls(settings, client, tokens, registry_limiter, api_limiter, oauth_http)

    def signing_certificates(self) -> list[x509.Certificate]:
        """The pinned ANAF signing certificates (``ANAF_SIGNING_CERTS``, a PEM bundle); empty if unset."""
        path = self.settings.signing_certs
        return load_pinned_certificates(path.read_bytes()) if path else []

    def quota(self, name: str, cap: int) -> DailyQuota:
        return DailyQuota(self.redis_client, name, cap=cap, namespace=self.settings.redis_namespace)

    def registry_client(self) -> httpx.Client:
        """webservicesp.anaf.ro (public registry): no keep-alive, paced by ``registry_limiter``."""
        return self._cached(
            "registry",
            lambda: build_client(self.settings, limiter=self.registry_limiter, keepalive=False, read_timeout=20.0),
        )

    def public_client(self) -> httpx.Client:
        """webservicesp.anaf.ro public e-Factura services (``validare``): no auth, no keep-alive."""
        return self._cached("public", lambda: build_client(self.settings, keepalive=False))

    def api_client(self, base_url: str) -> httpx.Client:
        """api.anaf.ro with bearer auth and the cluster-wide 1000 calls/min limiter."""
        return self._cached(
            "api:" + base_url,
            lambda: build_client(self.settings, base_url=base_url, limiter=self.api_limiter, auth=self.tokens),
        )

    def _cached(self, key: str, factory: Callable[[], httpx.Client]) -> httpx.Client:
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = factory()
                self._clients[key] = client
            return client

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
        self.oauth_http.close()
        self.redis_client.close()
