"""Artifacts in an S3-compatible bucket (AWS S3, SeaweedFS, MinIO, Ceph RGW) through boto3.

Every upload carries its SHA-256 (``ChecksumSHA256``), so the server refuses bytes altered on the way; the digest
is computed while the bytes are read, and a SHA-256 announced by the caller is compared before the object is
completed. Files above ``multipart_threshold`` go up in parts of ``part_size`` read one at a time (never the whole
file in memory), each part with its own server-checked checksum; a failed upload is aborted, leaving nothing.
Results get a presigned GET URL (``url``, ``expires_at``) that any HTTP client can fetch until it expires.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from shared.artifacts.errors import (
    ArtifactIntegrityError,
    ArtifactNotFound,
    ArtifactStoreRefused,
    invalid_key,
    s3_errors,
    too_large,
)
from shared.artifacts.model import (
    GENERAL,
    ArtifactLink,
    ArtifactRef,
    StoredObject,
    check_key,
    expect_sha256,
    new_key,
)

__all__ = ["S3ArtifactStore"]

_MIB = 1024 * 1024


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


class S3ArtifactStore:
    """Objects ``<prefix>/<key>`` in ``bucket``; keys handed out never include the prefix."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        max_bytes: int = 50 * _MIB,
        url_ttl: timedelta = timedelta(hours=1),
        multipart_threshold: int = 64 * _MIB,
        part_size: int = 16 * _MIB,
        presign_client: Any | None = None,
    ):
        self.client = client
        #: Signs the download links when callers reach the store by another address than the workers do.
        self.presign_client = presign_client or client
        self.bucket = bucket
        self.prefix = check_key(prefix.strip("/"), "prefix") + "/" if prefix.strip("/") else ""
        self.max_bytes = max_bytes
        self.url_ttl = url_ttl
        self.multipart_threshold = max(multipart_threshold, 5 * _MIB)
        self.part_size = max(part_size, 5 * _MIB)  # S3's smallest part (but the last)

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    # -- writing ---------------------------------------------------------------------------------------------

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
        return self._put_bytes(data, new_key(kind, name), content_type, kind, sha256)

    def _put_bytes(self, data: bytes, key: str, content_type: str, kind: str, sha256: str | None) -> ArtifactRef:
        if len(data) > self.multipart_threshold:
            size, digest = self._put_parts(io.BytesIO(data), key, content_type, kind, sha256)
        else:
            raw = hashlib.sha256(data).digest()
            digest = raw.hex()
            expect_sha256(sha256, digest, key)
            with s3_errors(key):
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.object_key(key),
                    Body=data,
                    ContentType=content_type,
                    ChecksumSHA256=_b64(raw),
                    Metadata={"sha256": digest, "kind": kind},
                )
            size = len(data)
        return self._ref(key, size, digest, content_type, kind)

    def put_file(
        self,
        path: Path,
        *,
        name: str,
        content_type: str = "application/octet-stream",
        kind: str = GENERAL,
        sha256: str | None = None,
    ) -> ArtifactRef:
        """Upload a local file without reading it whole into memory (multipart above the threshold).

        No ``max_bytes`` limit here: the file is streamed (read it back with ``open`` or its URL).
        """
        key = new_key(kind, name)
        if path.stat().st_size <= self.multipart_threshold:
            return self._put_bytes(path.read_bytes(), key, content_type, kind, sha256)
        with path.open("rb") as fh:
            size, digest = self._put_parts(fh, key, content_type, kind, sha256)
        return self._ref(key, size, digest, content_type, kind)

    def _put_parts(
        self, stream: BinaryIO, key: str, content_type: str, kind: str, expected: str | None
    ) -> tuple[int, str]:
        """Multipart upload of ``stream``; the whole-object SHA-256 is accumulated part by part."""
        target = self.object_key(key)
        with s3_errors(key):
            upload = self.client.create_multipart_upload(
                Bucket=self.bucket,
                Key=target,
                ContentType=content_type,
                ChecksumAlgorithm="SHA256",
                Metadata={"kind": kind},
            )
        upload_id = upload["UploadId"]
        digest, size = hashlib.sha256(), 0
        parts: list[dict[str, Any]] = []
        try:
            while block := stream.read(self.part_size):
                size += len(block)
                digest.update(block)
                checksum = _b64(hashlib.sha256(block).digest())
                with s3_errors(key):
                    part = self.client.upload_part(
                        Bucket=self.bucket,
                        Key=target,
                        UploadId=upload_id,
                        PartNumber=len(parts) + 1,
                        Body=block,
                        ChecksumSHA256=checksum,
                    )
                parts.append({"PartNumber": len(parts) + 1, "ETag": part["ETag"], "ChecksumSHA256": checksum})
            expect_sha256(expected, digest.hexdigest(), key)
            with s3_errors(key):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=target, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
        except BaseException:
            with s3_errors(key):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload_id)
            raise
        return size, digest.hexdigest()

    def _ref(self, key: str, size: int, digest: str, content_type: str, kind: str) -> ArtifactRef:
        link = self.link(key)
        return ArtifactRef(
            key=key,
            size=size,
            sha256=digest,
            content_type=content_type,
            kind=kind,
            url=link.url,
            expires_at=link.expires_at,
        )

    # -- reading ---------------------------------------------------------------------------------------------

    def get(self, key: str) -> bytes:
        """The bytes, checked against the SHA-256 recorded at upload when there is one."""
        with s3_errors(key):
            obj = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
            if obj["ContentLength"] > self.max_bytes:
                obj["Body"].close()
                raise too_large("key", obj["ContentLength"], self.max_bytes)
            data: bytes = obj["Body"].read()
        recorded = obj.get("Metadata", {}).get("sha256")
        if recorded and hashlib.sha256(data).hexdigest() != recorded:
            raise ArtifactIntegrityError(f"stored artifact {key} does not match its recorded SHA-256")
        return data

    def open(self, key: str) -> BinaryIO:
        with s3_errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"]
        return io.BufferedReader(_Body(body), buffer_size=1 << 20)

    def exists(self, key: str) -> bool:
        try:
            with s3_errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ArtifactNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with s3_errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        start = self.object_key(prefix) + "/" if prefix else self.prefix
        paginator = self.client.get_paginator("list_objects_v2")
        with s3_errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=start):
                for item in page.get("Contents", ()):
                    yield StoredObject(item["Key"][len(self.prefix) :], int(item["Size"]), item["LastModified"])

    # -- retention -----------------------------------------------------------------------------------------

    def set_lifecycle(self, rules: list[dict[str, Any]]) -> None:
        """Replace the bucket's lifecycle configuration by ``rules`` (see ``retention.lifecycle_rules``)."""
        with s3_errors():
            self.client.put_bucket_lifecycle_configuration(Bucket=self.bucket, LifecycleConfiguration={"Rules": rules})

    def lifecycle(self) -> list[dict[str, Any]]:
        try:
            with s3_errors():
                rules: list[dict[str, Any]] = self.client.get_bucket_lifecycle_configuration(Bucket=self.bucket)[
                    "Rules"
                ]
        except ArtifactStoreRefused as exc:
            if exc.details.get("s3_code") == "NoSuchLifecycleConfiguration":
                return []
            raise
        return rules

    # -- links -----------------------------------------------------------------------------------------------

    def link(self, key: str, ttl: timedelta | None = None) -> ArtifactLink:
        """A presigned GET URL valid for ``ttl`` (default ``url_ttl``); computed locally, no request made."""
        ttl = ttl or self.url_ttl
        expires_at = datetime.now(UTC).replace(microsecond=0) + ttl
        with s3_errors(key):
            url = self.presign_client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.object_key(key)},
                ExpiresIn=int(ttl.total_seconds()),
            )
        return ArtifactLink(url=url, expires_at=expires_at)

    def key_for_url(self, url: str) -> str:
        """The key of a URL that points into this store (a presigned link); any other URL is refused.

        Inputs given "by URL" are read through the store with our credentials, never fetched from wherever the
        URL points: no request to an address chosen by the caller (SSRF).
        """
        ours = {urlsplit(c.meta.endpoint_url)[:2] for c in (self.client, self.presign_client)}
        given = urlsplit(url)
        if (given.scheme, given.netloc) not in ours:
            raise invalid_key("url")
        path = unquote(given.path)
        base = f"/{self.bucket}/{self.prefix}"
        if not path.startswith(base):
            raise invalid_key("url")
        return check_key(path[len(base) :], "url")


class _Body(io.RawIOBase):
    """A botocore streaming body as a binary file object (``with store.open(key) as fh: fh.read()``)."""

    def __init__(self, body: Any):
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()
