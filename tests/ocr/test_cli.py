"""`workers-core ocr extract` reads a local file with the worker's code, engines and limits (no broker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ocr.conftest import PARAGRAPH, cer, encode, text_image
from tests.support.workers import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", "ocr", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WORKERS_CORE_ENV": "test"},
    )


def test_extract_prints_text_and_json(tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(encode(text_image(PARAGRAPH[:3], width=1500)))
    done = run("extract", str(scan), "--engine", "tesseract")
    assert done.returncode == 0, done.stderr
    assert cer("\n".join(PARAGRAPH[:3]), done.stdout) <= 0.03, done.stdout
    done = run("extract", str(scan), "--engine", "tesseract", "--json")
    body = json.loads(done.stdout)
    assert body["page_count"] == 1 and body["pages"][0]["lines"][0]["box"]


def test_unsupported_file_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "poza.gif"
    bad.write_bytes(b"GIF89a" + b"\0" * 64)
    done = run("extract", str(bad))
    assert done.returncode == 1
    assert "unsupported_format" in done.stderr
