"""Issue 16 item 7: a placeholder secret (or any settings error) at start-up is one clear line and exit 2.

Real ``workers-core`` processes, production settings, one bad value each: the platform's own settings, a
worker's settings, the ANAF client's settings and the registry's. Each must stop before connecting anywhere
with exactly one ``Error: ...`` line on stderr naming the setting, no traceback, and never the refused value.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.workers import REPO

#: the refused value carries a marker that must never appear in the output (it stands for a secret)
MARKER = "4242xyz"


def _run(tmp_path: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "WORKERS_CORE_ENV": "production",
        "RMQ_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "REGISTRY_URL": "",
        "ARTIFACT_DIR": str(tmp_path / "artifacts"),
    }
    # cwd without a .env: only the variables given here configure the process
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (
            ["worker", "ocr"],
            {"REGISTRY_URL": "http://registry:8090", "REGISTRY_TOKEN": f"changeme-{MARKER}"},
            ("WorkerSettings", "registry_token", "placeholder"),
        ),
        (["worker", "ocr"], {"OCR_GPU": "true"}, ("OcrSettings", "OCR_GPU=true is not supported")),
        (
            ["worker", "anaf.taxpayer"],
            {"ANAF_CLIENT_SECRET": f"changeme-{MARKER}"},
            ("AnafSettings", "client_secret", "placeholder"),
        ),
        (["worker", "anaf.taxpayer"], {"ANAF_TAXPAYER_ATTEMPTS": "0"}, ("TaxpayerSettings", "attempts")),
        (
            ["worker", "anaf.saft"],
            {"ANAF_SAFT_SOURCE_DATABASE_URL": f"changeme-{MARKER}"},
            ("SaftSettings", "source_database_url", "placeholder"),
        ),
        (
            ["registry", "serve"],
            {"REGISTRY_JWT_SECRET": f"changeme-{MARKER}"},
            ("RegistrySettings", "jwt_secret", "placeholder"),
        ),
        (["registry"], {"REGISTRY_JWT_SECRET": "password1"}, ("RegistrySettings", "REGISTRY_JWT_SECRET")),
    ],
    ids=[
        "worker-registry-token",
        "worker-own-settings",
        "anaf-client-secret",
        "taxpayer-range",
        "saft-database-url",
        "registry-placeholder",
        "registry-weak-secret",
    ],
)
def test_bad_setting_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], env: dict[str, str], names: tuple[str, ...]
) -> None:
    done = _run(tmp_path, args, env)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-3000:]
    assert len(lines) == 1, done.stderr[-3000:]
    line = lines[0]
    assert line.startswith("Error: ") and "cannot start: invalid settings" in line, line
    for name in names:
        assert name in line, line
    assert "Traceback" not in done.stderr and MARKER not in done.stderr + done.stdout
