"""The TypeScript SDK's own suite (``scripts/test-sdk-ts.sh``: npm ci, generated types fresh, tsc, node --test
against a real gateway and a real worker started by the tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_typescript_sdk_suite() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm are not installed: the TypeScript SDK cannot be built or tested here")
    done = subprocess.run(
        [str(REPO / "scripts" / "test-sdk-ts.sh")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "WC_PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-4000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout
