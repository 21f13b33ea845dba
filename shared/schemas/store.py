"""``SchemaStore``: the one place that resolves and verifies the installed validation artefacts.

Where: ``WORKERS_CORE_SCHEMAS_DIR``, else ``$XDG_DATA_HOME/workers-core/schemas`` (``~/.local/share/...``) for
development; images set ``/opt/workers-core/schemas``. Every validating worker, CLI and bench asks this store
for its files; a file is only handed out once its SHA-256 matches the manifest (hashes are cached per
inode, size and mtime, so a deep readiness probe costs a ``stat`` per file).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.errors import PermanentError
from shared.schemas.manifest import Artefact, Manifest, load_manifest

__all__ = [
    "ArtefactStatus",
    "SchemaStore",
    "SchemasUnavailable",
    "default_schemas_dir",
    "file_sha256",
    "get_store",
]

ENV_DIR = "WORKERS_CORE_SCHEMAS_DIR"
IMAGE_DIR = Path("/opt/workers-core/schemas")


def default_schemas_dir() -> Path:
    """``WORKERS_CORE_SCHEMAS_DIR`` or the per-user data directory."""
    if raw := os.environ.get(ENV_DIR):
        return Path(raw).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "workers-core" / "schemas"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SchemasUnavailable(PermanentError):
    """An artefact a validator needs is missing or altered: nothing is validated, so nothing is sent."""

    code = "schemas_unavailable"


@dataclass(frozen=True)
class ArtefactStatus:
    name: str
    version: str
    role: str
    ok: bool
    problems: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "role": self.role,
            "ok": self.ok,
            "problems": list(self.problems),
        }


class SchemaStore:
    """The installed artefacts under ``root``, checked against the manifest."""

    def __init__(self, root: Path | None = None, manifest: Manifest | None = None):
        self.root = Path(root) if root is not None else default_schemas_dir()
        self.manifest = manifest or load_manifest()
        self._lock = threading.Lock()
        self._hashes: dict[Path, tuple[tuple[int, int, int], str]] = {}

    def _hash(self, path: Path) -> str:
        st = path.stat()
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            cached = self._hashes.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        value = file_sha256(path)
        with self._lock:
            self._hashes[path] = (stamp, value)
        return value

    def problems(self, artefact: Artefact) -> list[str]:
        """Why ``artefact`` cannot be used (empty when every file is present with the manifest's hash)."""
        out = []
        for f in artefact.files:
            path = self.root / f.relpath(artefact)
            if not path.is_file():
                out.append(f"{f.relpath(artefact)}: missing")
            elif (digest := self._hash(path)) != f.sha256:
                out.append(f"{f.relpath(artefact)}: sha256 {digest[:12]}... expected {f.sha256[:12]}...")
        return out

    def status(self, names: Iterable[str] | None = None) -> list[ArtefactStatus]:
        chosen = [self.manifest[n] for n in names] if names is not None else list(self.manifest.artefacts)
        rows = []
        for a in chosen:
            problems = self.problems(a)
            rows.append(ArtefactStatus(a.name, a.version, a.role, not problems, tuple(problems)))
        return rows

    def require(self, *names: str) -> list[dict[str, str]]:
        """Check the named artefacts; their ``{name, version}`` refs, or ``SchemasUnavailable`` saying what is wrong."""
        bad = [s for s in self.status(names) if not s.ok]
        if bad:
            detail = "; ".join(f"{s.name} {s.version}: {', '.join(s.problems[:3])}" for s in bad)
            raise SchemasUnavailable(
                f"validation artefacts unusable in {self.root} ({detail}); "
                "run `workers-core schemas install` (WORKERS_CORE_SCHEMAS_MIRROR for an offline mirror)",
                details={"schemas_dir": str(self.root), "artefacts": [s.as_dict() for s in bad]},
            )
        return [self.manifest[n].ref for n in names]

    def path(self, name: str, file: str) -> Path:
        """Path of ``file`` of artefact ``name`` after checking its hash (``SchemasUnavailable`` otherwise)."""
        artefact = self.manifest[name]
        f = artefact.file(file)
        path = self.root / f.relpath(artefact)
        if not path.is_file() or self._hash(path) != f.sha256:
            self.require(name)
        return path

    def directory(self, name: str) -> Path:
        """The directory of artefact ``name`` after checking every file of it."""
        self.require(name)
        return self.root / self.manifest[name].dir

    def locate(self, name: str, file: str, override: Path | None = None) -> Path:
        """``path(name, file)``, or ``override`` when a deployment relocates it: it must still hold the pinned bytes."""
        if override is None:
            return self.path(name, file)
        artefact = self.manifest[name]
        expected = artefact.file(file).sha256
        if not override.is_file():
            raise SchemasUnavailable(f"{override} ({name} {artefact.version}, {file}) does not exist")
        if (digest := self._hash(override)) != expected:
            raise SchemasUnavailable(
                f"{override} is not {name} {artefact.version} {file} (sha256 {digest[:12]}... expected "
                f"{expected[:12]}...): a relocated artefact must hold the pinned bytes of the manifest",
                details={"path": str(override), "sha256": digest, "expected": expected},
            )
        return override

    def locate_dir(self, name: str, override: Path | None = None) -> Path:
        """``directory(name)``, or ``override`` after checking every file of the artefact under it."""
        if override is None:
            return self.directory(name)
        artefact = self.manifest[name]
        for f in artefact.files:
            self.locate(name, f.path, override / f.path)
        return override


_STORES: dict[Path, SchemaStore] = {}
_STORES_LOCK = threading.Lock()


def get_store(root: Path | None = None) -> SchemaStore:
    """The process-wide store of ``root`` (default: ``default_schemas_dir()``), hash cache included."""
    key = Path(root) if root is not None else default_schemas_dir()
    with _STORES_LOCK:
        if key not in _STORES:
            _STORES[key] = SchemaStore(key)
        return _STORES[key]
