"""What the artifact stores hand out (``ArtifactRef``, ``ArtifactLink``), their common shape, and the key scheme.

Keys are ``<kind>/YYYY/MM/DD/<uuid>-<name>``: the kind comes first so that retention rules can select a kind by
prefix (an S3 lifecycle rule filter, a directory for the filesystem store). Keys are checked before any use:
segments of letters, digits, ``.``, ``_`` and ``-`` only, so a key can never leave its store or its prefix.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from pydantic import BaseModel

from shared.artifacts.errors import ArtifactIntegrityError, invalid_key

__all__ = [
    "GENERAL",
    "ArtifactLink",
    "ArtifactRef",
    "ArtifactStore",
    "StoredObject",
    "check_key",
    "check_kind",
    "expect_sha256",
    "kind_of",
    "new_key",
]

#: Kind of artifacts put without one (kept until someone deletes them) and of keys older than the kind prefix.
GENERAL = "general"

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_KIND_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class ArtifactRef(BaseModel):
    """What a task result carries instead of the bytes; ``url``/``expires_at`` are set by stores that can link."""

    key: str
    size: int
    sha256: str
    content_type: str
    kind: str = GENERAL
    url: str | None = None
    expires_at: datetime | None = None


class ArtifactLink(BaseModel):
    """An expiring download URL of one artifact (a presigned S3 GET: any HTTP client can fetch it)."""

    url: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """One artifact as listed by a store (what retention decides on)."""

    key: str
    size: int
    modified: datetime


class ArtifactStore(Protocol):
    """The store every worker talks to; ``shared.artifacts.artifact_store()`` returns the configured one."""

    def put(
        self, data: bytes, *, name: str, content_type: str = ..., kind: str = ..., sha256: str | None = None
    ) -> ArtifactRef: ...
    def put_file(
        self, path: Path, *, name: str, content_type: str = ..., kind: str = ..., sha256: str | None = None
    ) -> ArtifactRef: ...
    def get(self, key: str) -> bytes: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def link(self, key: str) -> ArtifactLink | None: ...
    def key_for_url(self, url: str) -> str: ...
    def objects(self, prefix: str = "") -> Iterator[StoredObject]: ...


def check_key(key: object, loc: str = "key") -> str:
    """``key`` if it is a well-formed artifact key, else ``PayloadError`` (no traversal, no absolute path)."""
    if not isinstance(key, str) or len(key) > 512 or not _KEY_RE.fullmatch(key) or ".." in key.split("/"):
        raise invalid_key(loc)
    return key


def check_kind(kind: str) -> str:
    if not _KIND_RE.fullmatch(kind):
        raise invalid_key("kind")
    return kind


def kind_of(key: str) -> str:
    """The kind a key was stored under (keys from before kinds existed start with the year: ``general``)."""
    head = key.split("/", 1)[0]
    return head if _KIND_RE.fullmatch(head) else GENERAL


def new_key(kind: str, name: str, now: datetime | None = None) -> str:
    safe = _NAME_RE.sub("_", name).strip("._")[:80] or "artifact"
    return f"{check_kind(kind)}/{(now or datetime.now(UTC)):%Y/%m/%d}/{uuid.uuid4().hex}-{safe}"


def expect_sha256(expected: str | None, actual: str, key: str = "") -> None:
    """Refuse bytes whose SHA-256 is not the one the caller announced."""
    if expected is None:
        return
    if not _SHA_RE.fullmatch(expected.lower()) or expected.lower() != actual:
        raise ArtifactIntegrityError(
            "SHA-256 mismatch: the bytes are not the ones announced",
            details={"expected": expected[:64], "actual": actual, "key": key},
        )


def file_sha256(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in 1 MiB blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
