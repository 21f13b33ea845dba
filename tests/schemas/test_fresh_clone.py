"""The product stands on its own: a clone in another folder sets up from the mirror variable alone.

Without ``WORKERS_CORE_SCHEMAS_MIRROR`` (and no download possible) the set-up stops with one line naming the
variable; with it, the schemas install and the schema-dependent tests pass in the clone. Nothing tracked in
the repository (but ``.ci/run``, which hands the kit over) names the developers' kit folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.schemas import MIRROR_ENV
from tests.schemadata import REPO, mirror_dir

KIT_NAMES = ("../" + "shared", "shared/" + "data", "KIT" + "_DATA")


def test_nothing_in_the_product_names_the_kit() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=False)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    offenders = []
    for name in tracked.stdout.splitlines():
        path = REPO / name
        if name == ".ci/run" or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        offenders += [f"{name}: {k}" for k in KIT_NAMES if k in text]
    assert offenders == []


def test_a_clone_elsewhere_sets_up_from_the_mirror_variable_only(tmp_path: Path) -> None:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "elsewhere" / "workers-core"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    # not this process's metrics directory either: the clone's pytest removes its own at the end
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("WORKERS_CORE_SCHEMAS") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        SKIP_APT="1",
        WC_VENV=sys.prefix,  # this run's virtualenv: same lock, so the set-up does not reinstall packages
        PYTHONPATH=str(clone),  # ...but the clone's code runs
        WORKERS_CORE_SCHEMAS_DIR=str(tmp_path / "schemas"),
        WORKERS_CORE_SCHEMAS_URL="http://127.0.0.1:9",  # no download possible here either
    )
    stuck = subprocess.run(["scripts/bootstrap.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    lines = stuck.stderr.strip().splitlines()
    assert stuck.returncode == 1 and len(lines) == 1, stuck.stderr
    assert MIRROR_ENV in lines[0] and not (tmp_path / "schemas").exists()

    env[MIRROR_ENV] = str(mirror_dir())
    ready = subprocess.run(["scripts/bootstrap.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert ready.returncode == 0, ready.stderr
    assert "installed from" in ready.stdout and (tmp_path / "schemas" / "installed.json").is_file()

    tests = [
        "tests/schemas/test_manifest.py",
        "tests/anaf_efactura/test_validation.py",
        "tests/reges/test_cli.py",
        "tests/anaf_saft/test_cli.py",
        "tests/anaf_etransport/test_cli_policy.py",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
