"""Artifact store: big payloads (PDFs, images, XML archives, SAF-T files) travel by key, not in messages.

``artifact_store()`` is the store ``ARTIFACT_STORE`` selects (S3-compatible bucket or a directory); results that
carry an artifact carry its key, size, SHA-256 and, from the S3 store, an expiring download URL.
"""

from __future__ import annotations

from shared.artifacts.config import ArtifactSettings, artifact_store, build_store
from shared.artifacts.errors import (
    ArtifactIntegrityError,
    ArtifactNotFound,
    ArtifactStoreRefused,
    ArtifactStoreUnavailable,
)
from shared.artifacts.filesystem import FilesystemArtifactStore
from shared.artifacts.model import GENERAL, ArtifactLink, ArtifactRef, ArtifactStore, StoredObject
from shared.artifacts.retention import DEFAULT_RETENTION, Retention, cleanup, lifecycle_rules
from shared.artifacts.s3 import S3ArtifactStore
from shared.config import WorkerSettings, get_settings

__all__ = [
    "DEFAULT_RETENTION",
    "GENERAL",
    "ArtifactIntegrityError",
    "ArtifactLink",
    "ArtifactNotFound",
    "ArtifactRef",
    "ArtifactSettings",
    "ArtifactStore",
    "ArtifactStoreRefused",
    "ArtifactStoreUnavailable",
    "FilesystemArtifactStore",
    "Retention",
    "S3ArtifactStore",
    "StoredObject",
    "artifact_store",
    "build_store",
    "cleanup",
    "get_artifact_store",
    "lifecycle_rules",
]


def get_artifact_store(settings: WorkerSettings | None = None) -> FilesystemArtifactStore:
    """The filesystem store of ``ARTIFACT_DIR``, for code that needs local files (prefer ``artifact_store()``).

    Refuses to run when ``ARTIFACT_STORE`` selects S3: such a caller would silently write where no other
    service reads.
    """
    if ArtifactSettings().is_s3:
        raise RuntimeError("ARTIFACT_STORE selects S3: this caller must use shared.artifacts.artifact_store()")
    s = settings or get_settings()
    return FilesystemArtifactStore(s.artifact_dir, max_bytes=s.artifact_max_bytes)
