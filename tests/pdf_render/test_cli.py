"""`workers-core pdf render` runs the worker's code in-process, no broker: files, templates, policy errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pdf_render.conftest import pdf_text
from tests.pdf_render.test_rendering import INVOICE
from tests.support.workers import REPO

pytestmark = pytest.mark.chromium


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "shared.cli", "pdf", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WORKERS_CORE_ENV": "test", **(env or {})},
    )


def test_render_html_file_and_template(tmp_path: Path) -> None:
    page = tmp_path / "pagina.html"
    page.write_text("<h1>Ofertă</h1><p>Preț: 1.200,00 lei — valabilă până în 31.12.2026</p>", encoding="utf-8")
    out = tmp_path / "oferta.pdf"
    done = run("render", str(page), "-o", str(out), "--options", '{"landscape": true}')
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "ok" and summary["pages"] == 1
    assert "valabilă până în 31.12.2026" in pdf_text(out.read_bytes())

    data = tmp_path / "factura.json"
    data.write_text(json.dumps(INVOICE), encoding="utf-8")
    out = tmp_path / "factura.pdf"
    done = run("render", "invoice.html", "--data", str(data), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "6.556,52 lei" in pdf_text(out.read_bytes())

    listing = run("templates")
    assert "invoice.html" in listing.stdout.split()


def test_refused_url_and_unknown_template_exit_1_with_structured_error(tmp_path: Path) -> None:
    done = run(
        "render",
        "http://127.0.0.1:9/secret",
        "-o",
        str(tmp_path / "x.pdf"),
        env={"PDF_ALLOW_HTTP": "true", "PDF_URL_ALLOWLIST": "127.0.0.1"},
    )
    assert done.returncode == 1
    error = json.loads(done.stderr[done.stderr.index("{") :])["error"]
    assert error["code"] == "invalid_payload" and "loopback" in error["errors"][0]["msg"]
    assert not (tmp_path / "x.pdf").exists()
    done = run("render", "nu-exista.html", "-o", str(tmp_path / "y.pdf"))
    assert done.returncode == 1 and "template_not_found" in done.stderr
