"""The per-process services of the ``reges`` worker: one Keycloak token cache, one HTTP client, the store, the XSD.

``build_services(settings)`` is the ``WorkerSpec``'s factory (called once per pool process); ``SCHEMAS`` names the
official XSD the worker refuses to start without (outside development).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from reges.client import KeycloakTokens, RegesClient, RegesTokenAuth
from reges.config import RegesSettings, get_settings
from reges.schema import ARTEFACT, XSD_FILE, RegesSchema
from reges.service import RegesService
from reges.store import RegesStore
from shared.errors import PermanentError
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = [
    "SCHEMAS",
    "RegesServices",
    "build_client",
    "build_services",
    "build_tokens",
    "check_store",
    "close_services",
]


def build_tokens(s: RegesSettings) -> KeycloakTokens:
    """The password-grant token cache of the configured register (``reges_not_configured`` without credentials)."""
    if not s.username or s.password is None:
        raise PermanentError(
            "REGES API credentials not configured (REGES_USERNAME / REGES_PASSWORD)", code="reges_not_configured"
        )
    return KeycloakTokens(
        httpx.Client(timeout=httpx.Timeout(s.read_timeout_s, connect=s.connect_timeout_s)),
        f"{s.sso_url.rstrip('/')}/realms/{s.realm}/protocol/openid-connect/token",
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value() if s.client_secret else None,
        username=s.username,
        password=s.password.get_secret_value(),
        margin_s=s.token_margin_s,
    )


def build_client(s: RegesSettings) -> RegesClient:
    timeout = httpx.Timeout(s.read_timeout_s, connect=s.connect_timeout_s)
    http = httpx.Client(base_url=s.base_url, auth=RegesTokenAuth(build_tokens(s)), timeout=timeout)
    return RegesClient(http, consumer_id=s.consumer_id)


#: reges.xsd: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement((ARTEFACT,), lambda: get_store().locate(ARTEFACT, XSD_FILE, get_settings().xsd_path))


@dataclass
class RegesServices:
    """What the handlers use; built once per process and closed at its end."""

    client: RegesClient
    store: RegesStore
    service: RegesService


def build_services(settings: RegesSettings) -> RegesServices:
    """XSD first (no schemas: nothing else is built, every task fails with ``SchemasUnavailable``)."""
    schema = RegesSchema.from_store(get_store(), xsd=settings.xsd_path)
    client = build_client(settings)
    store = RegesStore.open(settings.outbox_url(), environment=settings.workers_core_env)
    return RegesServices(client, store, RegesService(settings=settings, store=store, client=client, schema=schema))


def check_store(settings: RegesSettings) -> None:
    """Start-up check: the outbox database is allowed here, reachable and migrated (else one line, exit 78)."""
    RegesStore.open(settings.outbox_url(), environment=settings.workers_core_env).close()


def close_services(services: RegesServices) -> None:
    auth = services.client.http.auth
    if isinstance(auth, RegesTokenAuth):
        auth.tokens.http.close()
    services.client.http.close()
    services.store.close()
