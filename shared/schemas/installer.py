"""``install()``: fill a schemas directory from a local mirror or by download, all or nothing.

Every file is copied (or downloaded) into a staging directory next to the target and checked against the
manifest's SHA-256 and size; a mirror whose managed directories hold a file the manifest does not list (an
extra or renamed file) is refused. Only when everything checks out is the staging directory swapped in by
``rename``, so a failed install leaves the previous installation as it was and never a half-filled one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shared.errors import WorkerError
from shared.schemas.manifest import RAW_BASE, Artefact, Manifest, SchemaFile, load_manifest
from shared.schemas.store import SchemaStore, file_sha256

__all__ = ["MIRROR_ENV", "RECORD_NAME", "URL_ENV", "InstallReport", "SchemaInstallError", "install"]

MIRROR_ENV = "WORKERS_CORE_SCHEMAS_MIRROR"
URL_ENV = "WORKERS_CORE_SCHEMAS_URL"
RECORD_NAME = "installed.json"
_MAX_FILE_BYTES = 64 * 1024 * 1024


class SchemaInstallError(WorkerError):
    """The schemas could not be installed; nothing was changed in the target directory."""

    code = "schema_install_failed"


@dataclass(frozen=True)
class InstallReport:
    target: Path
    source: str
    files: int
    bytes: int
    seconds: float
    unchanged: bool


def _foreign_files(mirror: Path, manifest: Manifest) -> list[str]:
    extra = []
    for directory in sorted(manifest.dirs):
        base = mirror / directory
        if not base.is_dir():
            continue
        expected = manifest.expected(directory)
        for path in base.rglob("*"):
            if path.is_file() and path.relative_to(mirror).as_posix() not in expected:
                extra.append(path.relative_to(mirror).as_posix())
    return extra


def _copy_from_mirror(mirror: Path, artefact: Artefact, f: SchemaFile, dest: Path) -> None:
    src = mirror / f.relpath(artefact)
    if not src.is_file():
        raise SchemaInstallError(f"mirror {mirror} has no {f.relpath(artefact)} ({artefact.name} {artefact.version})")
    shutil.copyfile(src, dest)


def _download(client: httpx.Client, artefact: Artefact, f: SchemaFile, dest: Path, base: str) -> None:
    url = artefact.mirror_url(f, base)
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise SchemaInstallError(f"download of {url} answered HTTP {response.status_code}")
            written = 0
            with dest.open("wb") as out:
                for chunk in response.iter_bytes():
                    written += len(chunk)
                    if written > _MAX_FILE_BYTES:
                        raise SchemaInstallError(f"download of {url} exceeds {_MAX_FILE_BYTES} bytes")
                    out.write(chunk)
    except httpx.HTTPError as exc:
        raise SchemaInstallError(
            f"cannot download {url} ({type(exc).__name__}); set {MIRROR_ENV} to an offline mirror directory"
        ) from None


def _check(artefact: Artefact, f: SchemaFile, path: Path) -> None:
    size = path.stat().st_size
    digest = file_sha256(path)
    if digest != f.sha256 or size != f.size:
        raise SchemaInstallError(
            f"{f.relpath(artefact)} ({artefact.name} {artefact.version}): sha256 {digest} ({size} bytes) does not "
            f"match the manifest's {f.sha256} ({f.size} bytes); refusing to install",
            details={"file": f.relpath(artefact), "sha256": digest, "expected": f.sha256},
        )


def _swap_in(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def install(
    target: Path,
    *,
    mirror: Path | None = None,
    manifest: Manifest | None = None,
    timeout: float = 30.0,
    force: bool = False,
    base_url: str | None = None,
) -> InstallReport:
    """Install every artefact of the manifest into ``target`` from ``mirror`` (a directory) or by download.

    Downloads go to ``base_url`` (default ``WORKERS_CORE_SCHEMAS_URL`` or raw.githubusercontent.com), laid out as
    ``<base>/<mirror_repo>/<mirror_commit>/<mirror_path>``.
    """
    base = base_url or os.environ.get(URL_ENV) or RAW_BASE
    manifest = manifest or load_manifest()
    started = time.perf_counter()
    source = str(mirror) if mirror is not None else f"download ({base})"
    if not force and target.is_dir() and all(s.ok for s in SchemaStore(target, manifest).status()):
        n = sum(len(a.files) for a in manifest.artefacts)
        return InstallReport(target, source, n, 0, time.perf_counter() - started, unchanged=True)
    if mirror is not None:
        if not mirror.is_dir():
            raise SchemaInstallError(f"schema mirror {mirror} is not a directory")
        if extra := _foreign_files(mirror, manifest):
            raise SchemaInstallError(
                f"mirror {mirror} holds files the manifest does not list: {', '.join(extra[:5])}"
                + (f" (+{len(extra) - 5} more)" if len(extra) > 5 else "")
                + "; refusing a mirror that is not exactly the pinned artefacts",
                details={"extra": extra},
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    total = 0
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            for artefact in manifest.artefacts:
                for f in artefact.files:
                    dest = staging / f.relpath(artefact)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    if mirror is not None:
                        _copy_from_mirror(mirror, artefact, f, dest)
                    else:
                        _download(client, artefact, f, dest, base)
                    _check(artefact, f, dest)
                    total += f.size
        record = {
            "installed_at": datetime.now(UTC).isoformat(),
            "source": source,
            "artefacts": [{**a.ref, "files": len(a.files)} for a in manifest.artefacts],
        }
        (staging / RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sum(len(a.files) for a in manifest.artefacts)
    return InstallReport(target, source, files, total, time.perf_counter() - started, unchanged=False)
