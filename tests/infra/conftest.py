"""Fixtures for the infra self-tests: the offline validators (scripts/ci-infra-setup.sh) and repo copies."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "scripts" / "ci-infra-check.sh"
INFRA_VENV = Path(os.environ.get("INFRA_VENV", REPO / ".venv-infra"))
COPIED = ("docker", "infra", ".github", "scripts", "requirements", "celeryconfig.py")
LOCKS = ("ocr", "pdf", "email", "slack", "anaf", "saft", "reges", "registry")


@pytest.fixture(scope="session")
def infra_tools() -> Path:
    """The tool venv; missing tools fail under CI (CI=true) and skip on a developer machine without them."""
    ready = (INFRA_VENV / "bin" / "python").exists() and (REPO / "tools/k8s-schema/node_modules").is_dir()
    ready = ready and all(shutil.which(b) for b in ("promtool", "amtool", "shellcheck", "node", "docker-compose"))
    if not ready:
        msg = "offline infra validators not installed: run scripts/ci-infra-setup.sh"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return INFRA_VENV


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory, infra_tools: Path) -> Path:
    """A copy of the infra-relevant tree. Lock files the lead has not generated yet get a placeholder so the
    image-matrix check is judged on its own logic."""
    root = tmp_path_factory.mktemp("pristine")
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, root / name)
    (root / "requirements").mkdir(exist_ok=True)
    for lock in LOCKS:
        path = root / "requirements" / f"{lock}.txt"
        if not path.exists():
            path.write_text("# placeholder lock for the infra self-test\n")
    return root


def run_check(root: Path, only: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK), "--root", str(root), "--only", only],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def broken_copy(pristine: Path, tmp_path: Path) -> Callable[[], Path]:
    """Factory: a fresh copy of the pristine tree to break."""

    def _copy() -> Path:
        dst = tmp_path / "repo"
        shutil.copytree(pristine, dst, symlinks=True)
        return dst

    return _copy
