"""``workers-core schemas install``: every hash verified, every bad mirror refused, nothing half-installed."""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.schemas import SchemaInstallError, SchemaStore, install, load_manifest
from tests.schemadata import REPO, mirror_dir

UBL_INVOICE = "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A private copy of the mirror (only the managed directories), for the test to damage."""
    copy = tmp_path / "mirror"
    for directory in load_manifest().dirs:
        shutil.copytree(mirror_dir() / directory, copy / directory)
    return copy


def _tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_install_from_a_mirror_verifies_every_file(mirror: Path, tmp_path: Path) -> None:
    target = tmp_path / "schemas"
    report = install(target, mirror=mirror)
    manifest = load_manifest()
    assert report.files == sum(len(a.files) for a in manifest.artefacts) and not report.unchanged
    assert all(s.ok for s in SchemaStore(target, manifest).status())
    again = install(target, mirror=mirror)
    assert again.unchanged and again.bytes == 0
    assert not list(tmp_path.glob(".schemas.*")), "no staging or backup directory is left behind"


@pytest.mark.parametrize(
    "damage",
    ["hash", "missing", "truncated", "extra", "renamed"],
)
def test_a_bad_mirror_is_refused_and_the_installed_copy_kept(mirror: Path, tmp_path: Path, damage: str) -> None:
    target = tmp_path / "schemas"
    install(target, mirror=mirror)
    before = _tree(target)
    victim = mirror / UBL_INVOICE
    if damage == "hash":
        victim.write_bytes(victim.read_bytes().replace(b"Invoice", b"Invoiec", 1))
    elif damage == "missing":
        victim.unlink()
    elif damage == "truncated":
        victim.write_bytes(victim.read_bytes()[:1000])
    elif damage == "extra":
        (mirror / "ubl-2.1" / "maindoc" / "UBL-Order-2.1.xsd").write_text("<xsd/>")
    elif damage == "renamed":
        victim.rename(victim.with_name("UBL-Invoice-2.1-copy.xsd"))
    with pytest.raises(SchemaInstallError) as err:
        install(target, mirror=mirror, force=True)
    assert "UBL-Invoice-2.1" in err.value.message or "UBL-Order" in err.value.message
    assert _tree(target) == before, "a refused install must not change the installed files"
    assert not list(tmp_path.glob(".schemas.*"))


def test_a_refused_first_install_leaves_nothing(mirror: Path, tmp_path: Path) -> None:
    (mirror / "reges" / "reges.xsd").write_bytes(b"<not-the-schema/>")
    target = tmp_path / "fresh"
    with pytest.raises(SchemaInstallError, match=r"reges\.xsd"):
        install(target, mirror=mirror)
    assert not target.exists() and not list(tmp_path.glob(".fresh.*"))


class _MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``<repo>/<commit>/<mirror_path>`` like raw.githubusercontent.com, from a kit-layout mirror."""

    routes: dict[str, Path] = {}
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        source = self.routes.get(self.path)
        if source is None:
            self.send_error(404)
            return
        data = source.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def raw_server(mirror: Path) -> Iterator[str]:
    from urllib.parse import quote

    manifest = load_manifest()
    _MirrorHandler.routes = {
        f"/{a.mirror_repo}/{a.mirror_commit}/{quote(f.mirror_path)}": mirror / f.relpath(a)
        for a in manifest.artefacts
        for f in a.files
    }
    _MirrorHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MirrorHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_download_fetches_the_pinned_urls_and_checks_them(raw_server: str, mirror: Path, tmp_path: Path) -> None:
    target = tmp_path / "dl"
    report = install(target, base_url=raw_server)
    assert report.source == f"download ({raw_server})"
    assert all(s.ok for s in SchemaStore(target).status())
    assert any(h.endswith("/Schema%20reges.xsd") for h in _MirrorHandler.hits)  # the REGES file's real name
    (mirror / "saft" / "Ro_SAFT_Schema_v248_20231121.xsd").write_bytes(b"<tampered/>")
    with pytest.raises(SchemaInstallError, match="Ro_SAFT_Schema"):
        install(tmp_path / "dl2", base_url=raw_server)
    assert not (tmp_path / "dl2").exists()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WORKERS_CORE_SCHEMAS")}
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", "schemas", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


def test_cli_install_status_and_one_line_refusals(mirror: Path, tmp_path: Path, raw_server: str) -> None:
    target = tmp_path / "cli"
    done = _cli("install", "--dir", str(target), WORKERS_CORE_SCHEMAS_MIRROR=str(mirror))
    assert done.returncode == 0 and "installed from" in done.stdout, done.stderr
    status = _cli("status", "--dir", str(target))
    assert status.returncode == 0 and "cius-ro" in status.stdout and "1.0.9" in status.stdout
    (target / "cius-ro-1.0.9" / "EN16931-CIUS_RO-UBL-validation.xslt").write_text("<xsl/>")
    broken = _cli("status", "--dir", str(target))
    assert broken.returncode == 1 and "sha256" in broken.stdout
    nowhere = _cli("install", "--dir", str(tmp_path / "none"), WORKERS_CORE_SCHEMAS_URL="http://127.0.0.1:9")
    assert nowhere.returncode == 1 and len(nowhere.stderr.strip().splitlines()) == 1
    assert "WORKERS_CORE_SCHEMAS_MIRROR" in nowhere.stderr and "Traceback" not in nowhere.stderr
