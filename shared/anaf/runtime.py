"""``AnafRuntime``: the per-process bundle of every ANAF worker (Redis, limiters, quotas, tokens, clients)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import redis
from cryptography import x509

from shared.anaf.config import AnafSettings, get_anaf_settings
from shared.anaf.http import build_client
from shared.anaf.ratelimit import DailyQuota, RateLimiter
from shared.anaf.signature import load_pinned_certificates
from shared.anaf.tokens import AnafBearerAuth, RedisTokenStore, TokenManager
from shared.resources import ProcessResource

__all__ = ["AnafRuntime", "get_runtime", "runtime_resource"]


@dataclass
class AnafRuntime:
    """Built once per worker process (see ``get_runtime``); tests build one from explicit settings.

    - ``registry_limiter``: 1 request / ``registry_interval_s`` for webservicesp.anaf.ro (all replicas).
    - ``api_limiter``: ``api_calls_per_minute`` for api.anaf.ro (shared by e-Factura and e-Transport).
    - ``quota(name, cap)``: a per-subject daily cap (``stare``, ``download``, ``list``...).
    - ``api_client(base_url)``: bearer auth (refresh + replay on 401/403) + the api limiter.
    """

    settings: AnafSettings
    redis_client: redis.Redis[bytes]
    tokens: TokenManager
    registry_limiter: RateLimiter
    api_limiter: RateLimiter
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
        registry_limiter = RateLimiter(
            client,
            "registry",
            rate=1,
            period=settings.registry_interval_s,
            max_wait=settings.limiter_max_wait_s,
            namespace=ns,
            space_after_completion=True,
        )
        api_limiter = RateLimiter(
            client,
            "api",
            rate=settings.api_calls_per_minute,
            period=60.0,
            burst=settings.api_burst,
            max_wait=settings.limiter_max_wait_s,
            namespace=ns,
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
            lambda: build_client(
                self.settings, limiter=self.registry_limiter, keepalive=False, read_timeout=20.0
            ),
        )

    def public_client(self) -> httpx.Client:
        """webservicesp.anaf.ro public e-Factura services (``validare``): no auth, no keep-alive."""
        return self._cached("public", lambda: build_client(self.settings, keepalive=False))

    def api_client(self, base_url: str) -> httpx.Client:
        """api.anaf.ro with bearer auth and the cluster-wide 1000 calls/min limiter."""
        return self._cached(
            "api:" + base_url,
            lambda: build_client(
                self.settings, base_url=base_url, limiter=self.api_limiter, auth=AnafBearerAuth(self.tokens)
            ),
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


runtime_resource: ProcessResource[AnafRuntime] = ProcessResource(
    lambda: AnafRuntime.create(get_anaf_settings()), close=AnafRuntime.close, name="anaf-runtime"
)


def get_runtime() -> AnafRuntime:
    """The process-wide runtime (created on first use in each pool child, closed at process shutdown)."""
    return runtime_resource.get()
