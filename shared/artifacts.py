"""Artifact store: big payloads (PDFs, images, XML archives, SAF-T files) travel by key, not in messages."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from pydantic import BaseModel

from shared.config import WorkerSettings, get_settings
from shared.errors import PayloadError, PermanentError

__all__ = ["ArtifactRef", "ArtifactStore", "FilesystemArtifactStore", "get_artifact_store"]

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


class ArtifactRef(BaseModel):
    """What a task result carries instead of the bytes."""

    key: str
    size: int
    sha256: str
    content_type: str


class ArtifactStore(Protocol):
    def put(self, data: bytes, *, name: str, content_type: str) -> ArtifactRef: ...
    def get(self, key: str) -> bytes: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


class FilesystemArtifactStore:
    """Artifacts as files under one root directory, keyed ``YYYY/MM/DD/<uuid>-<name>``; writes are atomic."""

    def __init__(self, root: Path, *, max_bytes: int = 50 * 1024 * 1024):
        self.root = Path(root)
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or len(key) > 512 or not _KEY_RE.match(key) or ".." in key.split("/"):
            raise PayloadError("invalid artifact key", errors=[{"loc": ["key"], "msg": "invalid key", "type": "value_error"}])
        return self.root / key

    def path(self, key: str) -> Path:
        return self._path(key)

    def new_key(self, name: str) -> str:
        safe = _NAME_RE.sub("_", name).strip("._")[:80] or "artifact"
        return f"{datetime.now(UTC):%Y/%m/%d}/{uuid.uuid4().hex}-{safe}"

    def put(self, data: bytes, *, name: str, content_type: str = "application/octet-stream") -> ArtifactRef:
        if len(data) > self.max_bytes:
            raise PayloadError(
                "artifact too large",
                errors=[{"loc": ["data"], "msg": f"{len(data)} bytes > limit {self.max_bytes}", "type": "too_large"}],
            )
        key = self.new_key(name)
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return ArtifactRef(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest(), content_type=content_type)

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise PermanentError(f"artifact not found: {key}", code="artifact_not_found") from None

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise PermanentError(f"artifact not found: {key}", code="artifact_not_found") from None
        if size > self.max_bytes:
            raise PayloadError(
                "artifact too large",
                errors=[{"loc": ["key"], "msg": f"{size} bytes > limit {self.max_bytes}", "type": "too_large"}],
            )
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_artifact_store(settings: WorkerSettings | None = None) -> FilesystemArtifactStore:
    s = settings or get_settings()
    return FilesystemArtifactStore(s.artifact_dir, max_bytes=s.artifact_max_bytes)
