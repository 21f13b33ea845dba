"""``scripts/create-worker.py`` generates a declared worker that lints, type-checks and runs a task end to end.

Everything happens in a temporary copy of the platform (``celeryconfig.py``, ``shared/``, the test harness):
the real tree and the installed package are never touched. The generated worker is started from the copy as a
real ``workers-core worker`` process on this session's throwaway vhost, and its own generated tests run there
in a nested pytest session (which makes its own vhost, Redis DB and database).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from celeryconfig import QueueSpec, task_queue
from tests.anaf.events import collect_events
from tests.support.workers import REPO, WorkerProcess

TAG = "gen.echo"
PACKAGE = "gen_echo"
SCRIPT = REPO / "scripts" / "create-worker.py"
#: what a worker needs from the platform, and the test harness its generated tests use
PLATFORM = (
    "celeryconfig.py",
    "pyproject.toml",
    "shared",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/support",
    "tests/anaf/__init__.py",
    "tests/anaf/events.py",
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _generate(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--tag", TAG, "--root", str(root), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _env(root: Path, base: dict[str, str]) -> dict[str, str]:
    return {**base, "PYTHONPATH": str(root), "MYPYPATH": str(root)}


@pytest.fixture
def copy_root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for item in PLATFORM:
        source, target = REPO / item, root / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return root


def test_new_tag_needs_its_queue_spec(copy_root: Path) -> None:
    before = _digest(copy_root / "celeryconfig.py")
    plain = _generate(copy_root)
    assert plain.returncode == 1, plain.stderr
    assert f'QueueSpec("{TAG}", "{PACKAGE}", ("{TAG}.",), 110, 120, 9810)' in plain.stdout
    assert _digest(copy_root / "celeryconfig.py") == before  # printed, not patched
    assert f'"{TAG}" = "{PACKAGE}.app:SPEC"' in plain.stdout  # the entry point to declare
    for name in ("app", "tasks", "service", "config", "models", "health"):
        assert (copy_root / PACKAGE / f"{name}.py").is_file(), name
    (copy_root / PACKAGE / "service.py").write_text("# the newcomer's work\n")
    again = _generate(copy_root, "--patch-queues")
    assert again.returncode == 0, again.stderr
    assert (copy_root / PACKAGE / "service.py").read_text() == "# the newcomer's work\n"  # kept without --force
    assert _digest(copy_root / "celeryconfig.py") != before
    assert _generate(copy_root).returncode == 0  # the tag is known now


def test_generated_worker_runs_its_task(
    copy_root: Path, worker_env: dict[str, str], session_dir: Path, celery_client, broker_url: str
) -> None:
    real_config = _digest(REPO / "celeryconfig.py")
    generated = _generate(copy_root, "--patch-queues")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert _digest(REPO / "celeryconfig.py") == real_config and not (REPO / PACKAGE).exists()
    env = _env(copy_root, os.environ.copy())
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", PACKAGE, f"tests/{PACKAGE}"],
        cwd=copy_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout
    types = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(copy_root / ".mypy_cache"), PACKAGE],
        cwd=copy_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert types.returncode == 0, types.stdout

    queue = task_queue(QueueSpec(TAG, PACKAGE, (f"{TAG}.",), 110, 120, 9810))
    worker = WorkerProcess(TAG, _env(copy_root, worker_env), session_dir, pool="solo", cwd=copy_root)
    try:
        worker.start(timeout=120)
        with collect_events(broker_url, f"{TAG}.#") as events:
            # the producer here runs the real celeryconfig, which has no route for the new tag: name its queue
            result = celery_client.send_task(f"{TAG}.run", kwargs={"text": "salut", "repeat": 3}, queue=queue)
            assert result.get(timeout=60) == {"text": "salut salut salut", "characters": 17}
            done = events.collect(1, f"{TAG}.done")
        assert done[0]["data"] == {"characters": 17} and done[0]["source"]["worker"] == TAG
        refused = celery_client.send_task(f"{TAG}.run", kwargs={"text": ""}, queue=queue)
        refused.get(timeout=60, propagate=False)
        assert refused.state == "FAILURE" and refused.result.args[0]["code"] == "invalid_payload"
    finally:
        worker.stop(timeout=30)

    nested = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-q", f"tests/{PACKAGE}"],
        cwd=copy_root,
        env=_env(copy_root, os.environ.copy()),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert nested.returncode == 0, nested.stdout[-4000:] + nested.stderr[-2000:]
    assert "4 passed" in nested.stdout, nested.stdout[-2000:]
