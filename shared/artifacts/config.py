"""Which artifact store a process uses: ONE setting, ``ARTIFACT_STORE``, plus the standard AWS environment.

``ARTIFACT_STORE=s3://bucket/prefix`` selects the S3 store; the endpoint, region and credentials come from the
variables boto3 itself reads (``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_S3``, ``AWS_DEFAULT_REGION``,
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, a web identity token, an instance role). A filesystem
path (or ``file://`` URL) selects the filesystem store; unset means ``ARTIFACT_DIR`` as before.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from shared.artifacts.filesystem import FilesystemArtifactStore
from shared.artifacts.model import ArtifactStore
from shared.artifacts.retention import Retention, retention_table
from shared.artifacts.s3 import S3ArtifactStore
from shared.config import BaseServiceSettings
from shared.resources import ProcessResource

__all__ = ["ArtifactSettings", "artifact_store", "build_store", "s3_client"]

_MIB = 1024 * 1024


class ArtifactSettings(BaseServiceSettings):
    """Artifact store settings (names as in ``.env.example``)."""

    store: str = Field(default="", validation_alias="ARTIFACT_STORE")
    artifact_dir: Path = Field(default=Path("/var/lib/workers-core/artifacts"), validation_alias="ARTIFACT_DIR")
    max_bytes: int = Field(default=50 * _MIB, gt=0, validation_alias="ARTIFACT_MAX_BYTES")
    #: Life of the presigned download URLs put in task results (SigV4 allows at most 7 days).
    url_ttl_seconds: int = Field(default=24 * 3600, gt=0, le=7 * 24 * 3600, validation_alias="ARTIFACT_URL_TTL")
    #: ``{"render": 3, "saft": 4000}``: days per kind, overriding the defaults of ``retention.DEFAULT_RETENTION``.
    retention_days: dict[str, int | None] = Field(default_factory=dict, validation_alias="ARTIFACT_RETENTION_DAYS")
    multipart_threshold: int = Field(default=64 * _MIB, ge=5 * _MIB, validation_alias="ARTIFACT_MULTIPART_THRESHOLD")
    part_size: int = Field(default=16 * _MIB, ge=5 * _MIB, validation_alias="ARTIFACT_PART_SIZE")
    #: Address of the S3 endpoint as callers outside the cluster reach it (signs the download links);
    #: unset: the endpoint the workers use (``AWS_ENDPOINT_URL``).
    public_endpoint: str | None = Field(default=None, validation_alias="ARTIFACT_S3_PUBLIC_URL")
    addressing_style: Literal["path", "virtual", "auto"] = Field(
        default="path", validation_alias="ARTIFACT_S3_ADDRESSING"
    )

    @property
    def is_s3(self) -> bool:
        return self.store.startswith("s3://")

    def retention(self) -> dict[str, Retention]:
        return retention_table(self.retention_days)

    def s3_location(self) -> tuple[str, str]:
        """``(bucket, prefix)`` of ``s3://bucket/prefix``."""
        parts = urlsplit(self.store)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"ARTIFACT_STORE must look like s3://bucket/prefix, not {self.store!r}")
        return parts.netloc, parts.path.strip("/")

    def directory(self) -> Path:
        if not self.store:
            return Path(self.artifact_dir)
        return Path(urlsplit(self.store).path if self.store.startswith("file://") else self.store)


def s3_client(settings: ArtifactSettings, endpoint_url: str | None = None) -> object:
    """A boto3 S3 client configured from the environment (standard retries, pooled connections)."""
    import boto3
    from botocore.config import Config

    # Every body we send carries a signed x-amz-checksum-sha256 header that the server checks, so the SigV4
    # payload hash (a second SHA-256 pass over the bytes on plain-HTTP endpoints) adds nothing: skip it.
    config = Config(
        s3={"addressing_style": settings.addressing_style, "payload_signing_enabled": False},
        retries={"mode": "standard"},
        max_pool_connections=16,
        connect_timeout=10,
        read_timeout=120,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client("s3", config=config, endpoint_url=endpoint_url)


def build_store(settings: ArtifactSettings, client: object | None = None) -> ArtifactStore:
    """The store ``settings`` select (``client`` overrides the S3 client built from the environment)."""
    if not settings.is_s3:
        return FilesystemArtifactStore(settings.directory(), max_bytes=settings.max_bytes)
    bucket, prefix = settings.s3_location()
    public = s3_client(settings, settings.public_endpoint) if settings.public_endpoint else None
    return S3ArtifactStore(
        client or s3_client(settings),
        bucket,
        prefix,
        max_bytes=settings.max_bytes,
        url_ttl=timedelta(seconds=settings.url_ttl_seconds),
        multipart_threshold=settings.multipart_threshold,
        part_size=settings.part_size,
        presign_client=public,
    )


def _close(store: ArtifactStore) -> None:
    if isinstance(store, S3ArtifactStore):
        store.client.close()


_store: ProcessResource[ArtifactStore] = ProcessResource(
    lambda: build_store(ArtifactSettings()), close=_close, name="artifacts"
)


def artifact_store(settings: ArtifactSettings | None = None) -> ArtifactStore:
    """The configured store: built once per process from the environment, or from ``settings`` when given."""
    return build_store(settings) if settings is not None else _store.get()
