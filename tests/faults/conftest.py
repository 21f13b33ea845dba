"""Fixtures of the fault tests: an ``ocr`` worker with the test-only tasks, a marker directory, and the fakes
of the e-mail, Slack and ANAF tests (SMTP sink, fake Slack, fake ANAF with its worker environments)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.anaf.fixtures import anaf_env, fake_anaf
from tests.anaf_efactura.conftest import efactura_env
from tests.anaf_etransport.conftest import etr_env
from tests.email_send.conftest import smtp_server, tls_cert
from tests.notify_slack.conftest import fake_slack
from tests.registry.conftest import clean_registry, registry_pg_url, registry_redis_url, token
from tests.support.workers import WorkerProcess

__all__ = [
    "anaf_env",
    "clean_registry",
    "efactura_env",
    "etr_env",
    "fake_anaf",
    "fake_slack",
    "registry_pg_url",
    "registry_redis_url",
    "smtp_server",
    "tls_cert",
    "token",
]


@pytest.fixture
def marker_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def test_worker(start_worker: Callable[..., WorkerProcess]) -> Callable[..., WorkerProcess]:
    """An ``ocr`` worker that also loads the test-only tasks of tests/support/tasks.py."""

    def _start(**kwargs: object) -> WorkerProcess:
        env = {"WORKER_EXTRA_IMPORTS": "tests.support.tasks", **dict(kwargs.pop("env", {}) or {})}  # type: ignore[arg-type]
        return start_worker("ocr", env=env, **kwargs)

    return _start
