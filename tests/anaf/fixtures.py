"""ANAF test fixtures (imported by the conftest of each ANAF test folder): fake ANAF, settings, runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from anaf_core import AnafRuntime, AnafSettings
from tests.fakes.anaf import FakeAnafServer, FakeAnafState
from tests.fakes.anaf.env import settings_env


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnafServer]:
    """A fresh fake ANAF (own state, own signing certificate) on a free loopback port."""
    with FakeAnafServer(FakeAnafState()) as server:
        yield server


@pytest.fixture
def anaf_env(fake_anaf: FakeAnafServer, redis_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment that points ANAF clients (and worker processes) at the fake; unique OAuth client key."""
    return {**settings_env(fake_anaf, tmp_path), "REDIS_URL": redis_url, "WORKERS_CORE_ENV": "test"}


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
