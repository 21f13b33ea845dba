"""Per-process wiring of the REGES service: one Keycloak token cache, one HTTP client, the store, the XSD."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from reges.client import KeycloakTokens, RegesClient, RegesTokenAuth
from reges.config import RegesSettings, get_settings
from reges.models import RegesSubmitResult
from reges.schema import ARTEFACT, XSD_FILE, RegesSchema
from reges.service import RegesService
from reges.store import RegesStore
from shared.errors import PermanentError
from shared.resources import ProcessResource
from shared.schemas import get_store
from shared.schemas.requirement import SchemaRequirement

__all__ = ["SCHEMAS", "build_client", "service"]


@dataclass
class _Bundle:
    http: httpx.Client
    client: RegesClient
    store: RegesStore
    schema: RegesSchema

    def close(self) -> None:
        self.http.close()
        self.store.engine.dispose()


def build_client(s: RegesSettings) -> tuple[httpx.Client, RegesClient]:
    if not s.username or s.password is None:
        raise PermanentError("REGES API credentials not configured (REGES_USERNAME / REGES_PASSWORD)", code="reges_not_configured")
    timeout = httpx.Timeout(s.read_timeout_s, connect=s.connect_timeout_s)
    token_http = httpx.Client(timeout=timeout)
    tokens = KeycloakTokens(
        token_http, f"{s.sso_url.rstrip('/')}/realms/{s.realm}/protocol/openid-connect/token",
        client_id=s.client_id, client_secret=s.client_secret.get_secret_value() if s.client_secret else None,
        username=s.username, password=s.password.get_secret_value(), margin_s=s.token_margin_s,
    )
    http = httpx.Client(base_url=s.base_url, auth=RegesTokenAuth(tokens), timeout=timeout)
    return http, RegesClient(http, consumer_id=s.consumer_id)


def _bundle() -> _Bundle:
    s = get_settings()
    http, client = build_client(s)
    schema = RegesSchema.from_store(get_store(), xsd=s.xsd_path)
    return _Bundle(http, client, RegesStore.from_url(s.database_url.get_secret_value()), schema)


#: reges.xsd: refused start-up outside development when unusable, deep check, schema_info metric.
SCHEMAS = SchemaRequirement((ARTEFACT,), lambda: get_store().locate(ARTEFACT, XSD_FILE, get_settings().xsd_path))


bundle_resource: ProcessResource[_Bundle] = ProcessResource(_bundle, close=_Bundle.close, name="reges-client")


def service(on_submitted: Callable[[RegesSubmitResult], None], on_result: Callable[[dict[str, Any]], None]) -> RegesService:
    b = bundle_resource.get()
    return RegesService(settings=get_settings(), store=b.store, client=b.client, schema=b.schema,
                        on_submitted=on_submitted, on_result=on_result)
