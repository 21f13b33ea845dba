"""ANAF test fixtures (imported by the conftest of each ANAF test folder): fake ANAF, settings, runtime."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from anaf_core import AnafRuntime, AnafSettings
from tests.fakes.anaf import FakeAnafServer, FakeAnafState


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnafServer]:
    """A fresh fake ANAF (own state, own signing certificate) on a free loopback port."""
    with FakeAnafServer(FakeAnafState()) as server:
        yield server


@pytest.fixture
def anaf_env(fake_anaf: FakeAnafServer, redis_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment that points ANAF clients (and worker processes) at the fake; unique OAuth client key."""
    cert = tmp_path / "anaf-signing.pem"
    cert.write_bytes(fake_anaf.state.identity.certificate_pem)
    url = fake_anaf.url
    return {
        "ANAF_ENVIRONMENT": "test",
        "ANAF_REGISTRY_URL": f"{url}/api/PlatitorTvaRest/v9/tva",
        "ANAF_API_BASE_URL": url,
        "ANAF_PUBLIC_BASE_URL": url,
        "ANAF_OAUTH_BASE_URL": f"{url}/anaf-oauth2/v1",
        "ANAF_CLIENT_ID": "fake-client-id",
        "ANAF_CLIENT_SECRET": "fake-client-secret",
        "ANAF_REDIRECT_URI": "https://localhost:8443/callback",
        "ANAF_SIGNING_CERTS": str(cert),
        "ANAF_REDIS_NAMESPACE": uuid.uuid4().hex[:8],
        "REDIS_URL": redis_url,
        "WORKERS_CORE_ENV": "test",
    }


def settings_from(env: dict[str, str], **overrides: object) -> AnafSettings:
    kwargs = {k[len("ANAF_") :].lower(): v for k, v in env.items() if k.startswith("ANAF_")}
    kwargs.update({k: v for k, v in overrides.items()})
    return AnafSettings(REDIS_URL=env["REDIS_URL"], WORKERS_CORE_ENV="test", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def anaf_settings(anaf_env: dict[str, str]) -> AnafSettings:
    return settings_from(anaf_env)


@pytest.fixture
def anaf_runtime(anaf_settings: AnafSettings, redis_url: str) -> Iterator[AnafRuntime]:
    runtime = AnafRuntime.create(anaf_settings)
    yield runtime
    runtime.close()
