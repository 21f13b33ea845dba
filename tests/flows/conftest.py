"""Fixtures of the flow tests: real workers of every tag a flow crosses, the fake ANAF, SMTP and Slack.

Workers are started once per module (``Stack``) and stopped at its end: a flow test is about messages crossing
workers, and five worker start-ups per test would eat the folder's time budget.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.anaf import FakeAnafServer, FakeAnafState
from tests.fakes.anaf.env import client_env
from tests.support.workers import WorkerProcess


class Stack:
    """Worker processes sharing one environment; ``logs()`` reads their JSON lines written since ``mark()``."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.env = env
        self.workdir = workdir
        self.workers: dict[str, WorkerProcess] = {}
        self._marks: dict[str, int] = {}

    def start(self, *tags: str, concurrency: int = 1, pool: str = "prefork") -> Stack:
        started = []
        for tag in tags:
            worker = WorkerProcess(tag, self.env, self.workdir, concurrency=concurrency, pool=pool)
            self.workers[tag] = worker.start(wait=False)
            started.append(worker)
        for worker in started:
            worker.wait_ready(120)
        return self

    def restart(self, tag: str) -> WorkerProcess:
        old = self.workers[tag]
        worker = WorkerProcess(tag, self.env, self.workdir, concurrency=old.concurrency, pool=old.pool)
        self.workers[tag] = worker.start(timeout=120)
        return worker

    def mark(self) -> None:
        self._marks = {tag: len(w.logs()) for tag, w in self.workers.items()}

    def logs(self) -> dict[str, list[dict[str, Any]]]:
        """Per tag: the JSON log lines since ``mark()`` (Celery's own plain-text banner lines left out)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for tag, worker in self.workers.items():
            lines = []
            for raw in worker.logs()[self._marks.get(tag, 0) :].splitlines():
                with contextlib.suppress(ValueError):
                    parsed = json.loads(raw)
                    if isinstance(parsed, dict):
                        lines.append(parsed)
            out[tag] = lines
        return out

    def stop(self) -> None:
        """All at once, SIGKILL after a short warm-shutdown wait (nothing is left to finish when a module ends)."""
        threads = [threading.Thread(target=w.stop, kwargs={"timeout": 3}) for w in self.workers.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


@pytest.fixture(scope="module")
def module_anaf() -> Iterator[FakeAnafServer]:
    with FakeAnafServer(FakeAnafState()) as server:
        yield server


@pytest.fixture(scope="module")
def anaf_worker_env(
    module_anaf: FakeAnafServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """ANAF clients pointed at the module's fake, with a token pair it issued (the OAuth bootstrap's outcome)."""
    return client_env(module_anaf, tmp_path_factory.mktemp("anaf"))


@pytest.fixture(scope="module")
def make_stack(worker_env: dict[str, str], session_dir: Path) -> Iterator[Callable[[dict[str, str]], Stack]]:
    stacks: list[Stack] = []

    def _make(env: dict[str, str]) -> Stack:
        stack = Stack({**worker_env, **env}, session_dir)
        stacks.append(stack)
        return stack

    yield _make
    for stack in stacks:
        stack.stop()
