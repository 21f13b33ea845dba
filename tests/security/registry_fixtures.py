"""Registry fixtures for the attack tests: a PostgreSQL database and a locked Redis DB per test module (own
names, so they never collide with tests/registry's session ones when both folders run together), the
settings and cleaning fixtures of tests/registry, an app with a chosen peer address and tag-bound tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.auth import mint_token
from registry.config import RegistrySettings
from registry.main import create_app
from tests.registry.conftest import SECRET, clean_registry, locked_redis_db, make_settings, migrated_database

__all__ = [
    "SECRET",
    "bearer",
    "clean_registry",
    "client_for",
    "make_settings",
    "registry_pg_url",
    "registry_redis_url",
]


@pytest.fixture(scope="module")
def registry_pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test module only (dropped after it)."""
    with migrated_database(f"registry_sec_{uuid.uuid4().hex[:12]}") as url:
        yield url


@pytest.fixture(scope="module")
def registry_redis_url() -> Iterator[str]:
    """A Redis DB locked for this test module (the registry's key names are fixed: DBs are never shared)."""
    with locked_redis_db(uuid.uuid4().hex, ttl=3600, who="the registry attack tests") as url:
        yield url


def bearer(*scopes: str, tag: str | None = None, instance: str | None = None, **extra: Any) -> dict[str, str]:
    """Authorization header of a token the test registry accepts (valid 3 h: modules mint theirs at collection,
    and a whole suite run takes longer than a short lifetime)."""
    settings = RegistrySettings(jwt_secret=SECRET, workers_core_env="test")
    token = mint_token(
        settings, subject="attacker", scopes=list(scopes), ttl=3 * 3600, tag=tag, instance=instance, **extra
    )
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def client_for(settings: RegistrySettings, peer: str = "127.0.0.1") -> Iterator[TestClient]:
    """The real app (lifespan on) behind a TestClient whose requests come from ``peer``."""
    with TestClient(create_app(settings), client=(peer, 40000)) as client:
        yield client


def run_job(client: TestClient, name: str) -> Any:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    job: Callable[[], Any] = runtime.job(name).run
    return client.portal.call(job)  # type: ignore[union-attr]
