"""Fixtures of the fault tests: an ``ocr`` worker with the test-only tasks, and a marker directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.workers import WorkerProcess


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
