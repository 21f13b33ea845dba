"""Fuzz the API from its own OpenAPI document (schemathesis) against the real server: never a 5xx, responses
conform to the document (status codes, content types, headers, bodies), bad input is refused. Bounded: 25
examples per operation and caller (admin, a tag-bound worker), about 30 s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from registry.auth import SCOPE_ADMIN, SCOPE_HEARTBEAT, SCOPE_READ, mint_token
from registry.cli import openapi_document
from registry.config import RegistrySettings
from registry.main import create_app
from tests.registry.conftest import SECRET, _wipe
from tests.registry.helpers import ThreadServer
from tests.security.registry_fixtures import registry_pg_url, registry_redis_url  # noqa: F401 - pytest fixtures


@pytest.fixture(scope="module")
def live_registry(registry_pg_url: str, registry_redis_url: str) -> Iterator[tuple[ThreadServer, RegistrySettings]]:
    _wipe(registry_redis_url)
    s = RegistrySettings(
        database_url=registry_pg_url,
        redis_url=registry_redis_url,
        jwt_secret=SECRET,
        jobs_enabled=False,
        workers_core_env="test",
    )
    server = ThreadServer(create_app(s)).start()
    yield server, s
    server.stop()


#: an admin token reaches every operation; a worker token bound to `ocr` meets the 403s of other tags
CALLERS: dict[str, dict[str, Any]] = {
    "admin": {"scopes": [SCOPE_ADMIN]},
    "ocr-worker": {"scopes": [SCOPE_HEARTBEAT, SCOPE_READ], "tag": "ocr"},
}


@pytest.fixture(scope="module", params=sorted(CALLERS))
def caller_headers(
    request: pytest.FixtureRequest, live_registry: tuple[ThreadServer, RegistrySettings]
) -> dict[str, str]:
    _, s = live_registry
    token = mint_token(s, subject=f"fuzz-{request.param}", ttl=3600, **CALLERS[request.param])
    return {"Authorization": f"Bearer {token}"}


# the document the code serves (identical to the committed registry/openapi.json, see test_openapi.py)
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_requests(
    case: Any, live_registry: tuple[ThreadServer, RegistrySettings], caller_headers: dict[str, str]
) -> None:
    # positive_data_acceptance is left out on purpose: schema-valid tags and instance ids that nobody
    # registered are answered 404, which is correct (the document lists the 404).
    server, _ = live_registry
    case.call_and_validate(base_url=server.url, headers=caller_headers, excluded_checks=[positive_data_acceptance])
