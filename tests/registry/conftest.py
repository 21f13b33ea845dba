"""Registry fixtures: an own PostgreSQL database and a locked Redis DB per session, settings, tokens, app."""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import pytest_asyncio
from fastapi.testclient import TestClient

from registry.auth import mint_token
from registry.config import RegistrySettings
from registry.db import Database
from registry.main import create_app
from registry.runtime import Runtime
from tests.registry.helpers import FakeClock
from tests.support.redisdb import LOCK_PREFIX, locked_redis_db
from tests.support.redisdb import wipe as _wipe

__all__ = ["LOCK_PREFIX", "SECRET", "_wipe", "locked_redis_db", "migrated_database"]

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")

SESSION = uuid.uuid4().hex[:10]
# 48 random bytes: well above the registry's strength floor whatever zxcvbn finds in a given draw
SECRET = secrets.token_urlsafe(48)


@contextmanager
def migrated_database(name: str) -> Iterator[str]:
    """A PostgreSQL database ``name`` created and migrated for the registry, dropped on exit; yields its URL."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    db = Database(url)
    db.migrate()
    db.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def registry_pg_url() -> Iterator[str]:
    """A PostgreSQL database only the registry tests of this session use (created, migrated, dropped)."""
    with migrated_database(f"registry_test_{SESSION}") as url:
        yield url


@pytest.fixture(scope="session")
def registry_redis_url() -> Iterator[str]:
    """A Redis DB locked for this session (the registry's key names are fixed, so DBs must not be shared)."""
    with locked_redis_db(SESSION, ttl=3 * 3600, who="the registry tests") as url:
        yield url


@pytest.fixture
def clean_registry(registry_pg_url: str, registry_redis_url: str) -> None:
    """Empty registry state before a test."""
    _wipe(registry_redis_url)
    with psycopg.connect(registry_pg_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("DELETE FROM worker_status")


@pytest.fixture
def make_settings(registry_pg_url: str, registry_redis_url: str) -> Callable[..., RegistrySettings]:
    """``make_settings(**overrides)``: test settings (jobs off, fast timings, HS256 secret)."""

    def _make(**overrides: Any) -> RegistrySettings:
        values: dict[str, Any] = {
            "database_url": registry_pg_url,
            "redis_url": registry_redis_url,
            "jwt_secret": SECRET,
            "jobs_enabled": False,
            "workers_core_env": "test",
            "heartbeat_interval": 30.0,
            "error_after": 90.0,
            "stop_after": 300.0,
            "purge_after": 600.0,
            "healthcheck_timeout": 1.0,
            "healthcheck_backoff": 0.01,
            # the fake health apps listen on loopback, which the scrape policy refuses unless allowed
            "scrape_allowed_networks": "127.0.0.0/8",
        }
        values.update(overrides)
        return RegistrySettings(**values)

    return _make


@pytest.fixture
def settings(make_settings: Callable[..., RegistrySettings], clean_registry: None) -> RegistrySettings:
    return make_settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def runtime(settings: RegistrySettings, clock: FakeClock) -> Any:
    """An opened runtime (service, store, jobs not started) on the fake clock."""
    rt = Runtime(settings, clock=clock)
    await rt.open()
    yield rt
    await rt.close()


@pytest.fixture
def token() -> Callable[..., str]:
    """``token(*scopes, ttl=600, tag=None, instance=None)``: an HS256 token the test registry accepts
    (``tag`` binds a ``workers:heartbeat`` token to a worker tag, as worker tokens must be)."""

    def _token(
        *scopes: str,
        ttl: float = 600,
        settings: RegistrySettings | None = None,
        tag: str | None = None,
        instance: str | None = None,
    ) -> str:
        s = settings or RegistrySettings(jwt_secret=SECRET, workers_core_env="test")
        return mint_token(s, subject="tests", scopes=list(scopes), ttl=ttl, tag=tag, instance=instance)

    return _token


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def _auth(*scopes: str, tag: str | None = None, instance: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(*scopes, tag=tag, instance=instance)}"}

    return _auth


@pytest.fixture
def client(settings: RegistrySettings) -> Iterator[TestClient]:
    """The real app (lifespan on) behind a TestClient; jobs off, so tests drive flush/sweep themselves."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def run_job(client: TestClient) -> Callable[[str], Any]:
    """Run one background job of the client's app now (``flush``, ``sweep``, ``healthcheck``, ``queues``)."""
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]

    def _run(name: str) -> Any:
        job = runtime.job(name)
        return client.portal.call(job.run)  # type: ignore[union-attr]

    return _run


@pytest.fixture(autouse=True)
def _no_leaked_registry_threads() -> Iterator[None]:
    """Fail a test that leaves a heartbeat or registry server thread running (celery's threads_not_lingering)."""
    watched = ("workers-core-heartbeat", "registry-uvicorn")
    before = {t for t in threading.enumerate() if t.name in watched}
    yield
    leaked = [t.name for t in threading.enumerate() if t.name in watched and t not in before]
    assert not leaked, f"threads leaked by the test: {leaked}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Pydantic serializer warnings mean a response model got a wrong type: fail the registry test."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.filterwarnings("error:Pydantic serializer warnings:UserWarning"))
