"""Artifacts as files under one root directory (development, single host, or a ReadWriteMany volume)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from shared.artifacts.errors import ArtifactNotFound, invalid_key, too_large
from shared.artifacts.model import (
    GENERAL,
    ArtifactLink,
    ArtifactRef,
    StoredObject,
    check_key,
    expect_sha256,
    new_key,
)

__all__ = ["FilesystemArtifactStore"]

_BLOCK = 1 << 20


class FilesystemArtifactStore:
    """Files keyed ``<kind>/YYYY/MM/DD/<uuid>-<name>`` under ``root``; writes are atomic (temp file + rename)."""

    def __init__(self, root: Path, *, max_bytes: int = 50 * 1024 * 1024):
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def new_key(self, name: str, kind: str = GENERAL) -> str:
        return new_key(kind, name)

    def put(
        self,
        data: bytes,
        *,
        name: str,
        content_type: str = "application/octet-stream",
        kind: str = GENERAL,
        sha256: str | None = None,
    ) -> ArtifactRef:
        if len(data) > self.max_bytes:
            raise too_large("data", len(data), self.max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        expect_sha256(sha256, digest)
        key = new_key(kind, name)
        with self._writer(key) as fh:
            fh.write(data)
        return ArtifactRef(key=key, size=len(data), sha256=digest, content_type=content_type, kind=kind)

    def put_file(
        self,
        path: Path,
        *,
        name: str,
        content_type: str = "application/octet-stream",
        kind: str = GENERAL,
        sha256: str | None = None,
    ) -> ArtifactRef:
        """Copy a local file in, hashing while copying; refused, and nothing kept, if ``sha256`` differs.

        No ``max_bytes`` limit here: the file is streamed, never held in memory (read it back with ``open``).
        """
        key = new_key(kind, name)
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as src, self._writer(key) as dst:
            while block := src.read(_BLOCK):
                size += len(block)
                digest.update(block)
                dst.write(block)
            expect_sha256(sha256, digest.hexdigest(), key)
        return ArtifactRef(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type, kind=kind)

    def _writer(self, key: str) -> _AtomicFile:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        return _AtomicFile(target)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise ArtifactNotFound(f"artifact not found: {key}") from None

    def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ArtifactNotFound(f"artifact not found: {key}") from None
        if size > self.max_bytes:
            raise too_large("key", size, self.max_bytes)
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def link(self, key: str) -> ArtifactLink | None:
        """No URL: a file on a local volume is not downloadable by other services."""
        check_key(key)
        return None

    def key_for_url(self, url: str) -> str:
        raise invalid_key("url")

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        base = self.root / check_key(prefix) if prefix else self.root
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for filename in filenames:
                if filename.startswith("."):
                    continue
                path = Path(dirpath) / filename
                stat = path.stat()
                yield StoredObject(
                    path.relative_to(self.root).as_posix(), stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)
                )


class _AtomicFile:
    """A temp file next to ``target``, fsynced and renamed onto it on success, removed on any error."""

    def __init__(self, target: Path):
        self.target = target
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "wb")

    def __enter__(self) -> BinaryIO:
        return self.fh

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())
            self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.target)
        finally:
            self.tmp.unlink(missing_ok=True)
