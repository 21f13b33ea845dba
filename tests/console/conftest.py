"""Console fixtures: its tables in the session database, a real registry, the console over real HTTP, the
event consumer in a thread, and tokens per role."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from console.app import create_app
from console.auth import mint_token
from console.config import ConsoleSettings
from console.database import console_engine, migrate
from console.history import HistoryStore
from console.ingest import EventIngester
from registry.auth import SCOPE_HEARTBEAT, SCOPE_READ
from registry.config import RegistrySettings
from registry.main import create_app as create_registry
from tests.registry.conftest import (  # noqa: F401 - fixtures
    clean_registry,
    locked_redis_db,
    make_settings,
    migrated_database,
    token,
)
from tests.registry.helpers import ThreadServer, free_port

CONSOLE_SECRET = secrets.token_urlsafe(48)


# The console's registry gets its own database and Redis DB: re-using the registry suite's session fixtures here
# would instantiate them twice in one session (same database name).
@pytest.fixture(scope="session")
def registry_pg_url() -> Iterator[str]:
    with migrated_database(f"registry_console_{uuid.uuid4().hex[:10]}") as url:
        yield url


@pytest.fixture(scope="session")
def registry_redis_url() -> Iterator[str]:
    with locked_redis_db(uuid.uuid4().hex, ttl=3600, who="the console tests") as url:
        yield url


@pytest.fixture(scope="session")
def console_db(database_url: str) -> str:
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = console_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def registry_server(
    make_settings: Callable[..., RegistrySettings], clean_registry: None, broker_url: str
) -> Iterator[ThreadServer]:
    settings = make_settings(
        jobs_enabled=True,
        heartbeat_interval=1.0,
        error_after=3.0,
        stop_after=30.0,
        purge_after=120.0,
        sweep_interval=0.5,
        flush_interval=0.5,
        healthcheck_interval=2.0,
        queue_poll_interval=2.0,
        rmq_url=broker_url,
    )
    server = ThreadServer(create_registry(settings), port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def console_settings(
    console_db: str, broker_url: str, registry_redis_url: str, token: Callable[..., str]
) -> Callable[..., ConsoleSettings]:
    def _make(registry_url: str = "http://127.0.0.1:9", **overrides: Any) -> ConsoleSettings:
        values: dict[str, Any] = {
            "database_url": console_db,
            "rmq_url": broker_url,
            "redis_url": registry_redis_url,
            "jwt_secret": CONSOLE_SECRET,
            "workers_core_env": "test",
            "cookie_secure": False,
            "registry_url": registry_url,
            "registry_token": token(SCOPE_READ, ttl=3 * 3600),
            "ingest_flush_seconds": 0.2,
        }
        values.update(overrides)
        return ConsoleSettings(**values)

    return _make


@pytest.fixture
def console_server(
    console_settings: Callable[..., ConsoleSettings], registry_server: ThreadServer
) -> Iterator[ThreadServer]:
    server = ThreadServer(create_app(console_settings(registry_server.url)), port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def role_token(console_settings: Callable[..., ConsoleSettings]) -> Callable[[str], str]:
    settings = console_settings()

    def _token(role: str, subject: str | None = None) -> str:
        return mint_token(settings, subject=subject or f"{role}@example.test", role=role, ttl=3 * 3600)

    return _token


@pytest.fixture
def as_role(role_token: Callable[[str], str]) -> Callable[[str], dict[str, str]]:
    def _headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {role_token(role)}", "Accept": "application/json"}

    return _headers


class IngestThread:
    def __init__(self, ingester: EventIngester, broker_url: str) -> None:
        self.ingester = ingester
        self.stop_flag = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True, name="console-ingest")
        self.broker_url = broker_url

    def _run(self) -> None:
        try:
            self.ingester.consume(self.broker_url, should_stop=lambda: self.stop_flag)
        except BaseException as exc:
            self.error = exc

    def start(self) -> IngestThread:
        self.thread.start()
        time.sleep(0.5)  # the durable events queue is declared before tasks are sent
        return self

    def stop(self) -> None:
        self.stop_flag = True
        self.thread.join(15)


@pytest.fixture
def ingest(console_db: str, broker_url: str) -> Iterator[IngestThread]:
    engine = console_engine(console_db)
    running = IngestThread(EventIngester(HistoryStore(engine), batch=200, flush_seconds=0.2), broker_url).start()
    yield running
    running.stop()
    engine.dispose()
    assert running.error is None, running.error


@pytest.fixture
def history(console_db: str) -> Iterator[HistoryStore]:
    engine = console_engine(console_db)
    yield HistoryStore(engine)
    engine.dispose()


def wait_for(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s (last: {last!r})")


def worker_registry_env(registry: ThreadServer, token_factory: Callable[..., str], tag: str) -> dict[str, str]:
    return {
        "REGISTRY_URL": registry.url,
        "REGISTRY_TOKEN": token_factory(SCOPE_HEARTBEAT, ttl=3600, tag=tag),
        "HEARTBEAT_INTERVAL": "1",
    }


def get(server: ThreadServer, path: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    return httpx.get(server.url + path, headers=headers, params=params, timeout=20)


def post(server: ThreadServer, path: str, headers: dict[str, str], data: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.url + path, headers=headers, data=data, timeout=30, follow_redirects=False)
