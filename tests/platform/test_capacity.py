"""The capacity model runs on the committed inputs, and docs/capacity.md shows its current output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "capacity.py"), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_capacity_page_shows_the_model_output() -> None:
    page = (ROOT / "docs" / "capacity.md").read_text(encoding="utf-8")
    assert page.endswith(_run()), "docs/capacity.md is stale: re-run scripts/capacity.py and paste its output"


def test_anaf_limit_breaks_first_and_list_polling_fits_at_1x() -> None:
    out = _run("--scale", "1")
    assert "first limit is **ANAF 1000 calls/min, per-invoice polls, in working hours**" in out
    row = next(line for line in out.splitlines() if line.startswith("| ANAF 1000 calls/min, list polling"))
    assert int(row.split("|")[2].strip().rstrip(" %")) < 100


def test_a_bench_log_overrides_the_measured_figure(tmp_path: Path) -> None:
    log = tmp_path / "run.txt"
    log.write_text("pdf_render: worker p50 40 ms = 1.1 x raw warm page; 2.0 PDFs/s with 4 concurrent\n")
    out = _run("--bench-log", str(log), "--scale", "1")
    row = next(line for line in out.splitlines() if line.startswith("| pdf_render |"))
    assert "| 2/s |" in row and "| 24 |" in row  # 33.1/s at peak / (2.0 x 0.7) -> 24 replicas
