"""Errors of the artifact stores, one tree for both back ends (filesystem and S3), under the shared taxonomy.

    WorkerError
    ├── PayloadError                    invalid key, too large (``code`` invalid_payload / too_large)
    ├── PermanentError
    │   ├── ArtifactNotFound            no object under that key (``artifact_not_found``)
    │   ├── ArtifactIntegrityError      the bytes do not match the SHA-256 given or recorded
    │   └── ArtifactStoreRefused        the store said no: access denied, no such bucket, bad request
    └── TransientError
        └── ArtifactStoreUnavailable    could not reach the store, or it asked us to slow down / answered 5xx

``s3_errors()`` is the one place where botocore's exceptions become these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from shared.errors import PayloadError, PermanentError, TransientError

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFound",
    "ArtifactStoreRefused",
    "ArtifactStoreUnavailable",
    "invalid_key",
    "s3_errors",
    "too_large",
]

_NOT_FOUND = frozenset({"NoSuchKey", "404", "NotFound"})
_DIGEST = frozenset({"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum"})
_RETRY = frozenset(
    {
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "Throttling",
        "ThrottlingException",
        "OperationAborted",
    }
)


class ArtifactNotFound(PermanentError):
    code = "artifact_not_found"


class ArtifactIntegrityError(PermanentError):
    code = "artifact_integrity"


class ArtifactStoreRefused(PermanentError):
    code = "artifact_store_refused"


class ArtifactStoreUnavailable(TransientError):
    code = "artifact_store_unavailable"


def invalid_key(loc: str = "key") -> PayloadError:
    return PayloadError("invalid artifact key", errors=[{"loc": [loc], "msg": "invalid key", "type": "value_error"}])


def too_large(loc: str, size: int, limit: int) -> PayloadError:
    return PayloadError(
        "artifact too large", errors=[{"loc": [loc], "msg": f"{size} bytes > limit {limit}", "type": "too_large"}]
    )


@contextmanager
def s3_errors(key: str = "") -> Iterator[None]:
    """Translate botocore errors raised inside the block into the artifact error tree."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        message = f"S3 {code or status}: {error.get('Message', '')}".strip()
        details = {"s3_code": code, "status": status, "key": key}
        if code in _NOT_FOUND:
            raise ArtifactNotFound(f"artifact not found: {key}", details=details) from exc
        if code in _DIGEST:
            raise ArtifactIntegrityError(f"the store refused the upload of {key}: {message}", details=details) from exc
        if code in _RETRY or status >= 500 or status == 429:
            raise ArtifactStoreUnavailable(message, details=details) from exc
        raise ArtifactStoreRefused(message, details=details) from exc
    except BotoCoreError as exc:
        raise ArtifactStoreUnavailable(f"artifact store unreachable: {exc}", details={"key": key}) from exc
