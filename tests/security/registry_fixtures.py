"""Registry fixtures for the attack tests: a PostgreSQL database and a locked Redis DB per test module (own
names, so they never collide with tests/registry's session ones when both folders run together), the
settings and cleaning fixtures of tests/registry, an app with a chosen peer address and tag-bound tokens."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient

from registry.auth import mint_token
from registry.config import RegistrySettings
from registry.db import Database
from registry.main import create_app
from tests.registry.conftest import LOCK_PREFIX, PG_ADMIN_URL, REDIS_BASE, SECRET, _wipe, clean_registry, make_settings

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
    name = f"registry_sec_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    db = Database(url)
    db.migrate()
    db.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def registry_redis_url() -> Iterator[str]:
    """A Redis DB locked for this test module (the registry's key names are fixed: DBs are never shared)."""
    owner = uuid.uuid4().hex
    admin = redis.Redis.from_url(f"{REDIS_BASE}/0")
    numbers = random.sample(range(1, 16), 15)
    chosen = next((n for n in numbers if admin.set(f"{LOCK_PREFIX}{n}", owner, nx=True, ex=3600)), None)
    if chosen is None:
        pytest.fail("no free Redis DB for the registry attack tests (all 15 locked)")
    url = f"{REDIS_BASE}/{chosen}"
    _wipe(url)
    yield url
    _wipe(url)
    if admin.get(f"{LOCK_PREFIX}{chosen}") == owner.encode():
        admin.delete(f"{LOCK_PREFIX}{chosen}")
    admin.close()


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
