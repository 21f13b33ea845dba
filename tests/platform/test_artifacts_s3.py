"""The S3 artifact store against a real S3 server (SeaweedFS on loopback): bytes, checksums, links, keys."""

from __future__ import annotations

import hashlib
import io
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from shared.artifacts import (
    ArtifactIntegrityError,
    ArtifactNotFound,
    ArtifactStoreRefused,
    ArtifactStoreUnavailable,
    S3ArtifactStore,
)
from shared.errors import PayloadError
from tests.support.seaweed import SeaweedServer

MIB = 1024 * 1024


def _raw_keys(seaweed: SeaweedServer, bucket: str) -> list[str]:
    pages = seaweed.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", ())]


def test_put_get_and_download_by_presigned_url(
    s3_store: S3ArtifactStore, seaweed: SeaweedServer, s3_bucket: str
) -> None:
    data = "Factură ș ț ".encode() * 1000
    ref = s3_store.put(data, name="../../factura 1.pdf", content_type="application/pdf", kind="render")

    assert ref.key.startswith("render/") and ".." not in ref.key
    assert ref.sha256 == hashlib.sha256(data).hexdigest() and ref.size == len(data) and ref.kind == "render"
    assert _raw_keys(seaweed, s3_bucket) == [f"tenant-a/artifacts/{ref.key}"]
    assert s3_store.get(ref.key) == data and s3_store.exists(ref.key)
    with s3_store.open(ref.key) as fh:
        assert fh.read() == data

    assert ref.url is not None and ref.expires_at is not None
    assert timedelta(minutes=59) < ref.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    response = httpx.get(ref.url, timeout=30)  # a plain HTTP client, no credentials, no SDK
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert httpx.get(f"{seaweed.endpoint}/{s3_bucket}/tenant-a/artifacts/{ref.key}", timeout=30).status_code == 403

    s3_store.delete(ref.key)
    assert not s3_store.exists(ref.key)
    with pytest.raises(ArtifactNotFound):
        s3_store.get(ref.key)


def test_big_file_goes_up_in_parts_without_being_held_in_memory(
    seaweed: SeaweedServer, s3_bucket: str, tmp_path: Path
) -> None:
    store = S3ArtifactStore(
        seaweed.client(), s3_bucket, "big", max_bytes=100 * MIB, multipart_threshold=5 * MIB, part_size=5 * MIB
    )
    source = tmp_path / "d406.xml"
    with source.open("wb") as fh:
        for i in range(24):
            fh.write(bytes([i]) * MIB)
    expected = hashlib.sha256(source.read_bytes()).hexdigest()

    tracemalloc.start()
    try:
        ref = store.put_file(source, name="D406.xml", content_type="application/xml", kind="saft", sha256=expected)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert ref.size == 24 * MIB and ref.sha256 == expected
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB for a 24 MiB file"
    head = seaweed.client().head_object(Bucket=s3_bucket, Key=f"big/{ref.key}", PartNumber=1)
    assert head["PartsCount"] == 5
    assert ref.url is not None
    assert hashlib.sha256(httpx.get(ref.url, timeout=60).content).hexdigest() == expected


def test_sha256_mismatch_is_refused_and_nothing_is_stored(
    s3_store: S3ArtifactStore, seaweed: SeaweedServer, s3_bucket: str, tmp_path: Path
) -> None:
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    with pytest.raises(ArtifactIntegrityError):
        s3_store.put(b"the invoice", name="a.xml", sha256=wrong)

    big = S3ArtifactStore(seaweed.client(), s3_bucket, "mp", multipart_threshold=5 * MIB, part_size=5 * MIB)
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * (11 * MIB))
    with pytest.raises(ArtifactIntegrityError):
        big.put_file(source, name="big.bin", sha256=wrong)

    assert _raw_keys(seaweed, s3_bucket) == []
    assert seaweed.client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_bytes_altered_on_the_way_are_refused_by_the_server(seaweed: SeaweedServer, s3_bucket: str) -> None:
    client = seaweed.client()

    def flip_a_byte(request, **_):  # a proxy or a bad NIC changing one byte after the checksum was computed
        data = request.body.read() if hasattr(request.body, "read") else request.body
        request.body = io.BytesIO(b"X" + data[1:])

    client.meta.events.register("before-send.s3.PutObject", flip_a_byte)
    store = S3ArtifactStore(client, s3_bucket)
    with pytest.raises(ArtifactIntegrityError):
        store.put(b"<Invoice>100.00</Invoice>", name="f.xml")
    assert _raw_keys(seaweed, s3_bucket) == []


def test_stored_bytes_are_checked_against_the_recorded_sha256(
    s3_store: S3ArtifactStore, seaweed: SeaweedServer, s3_bucket: str
) -> None:
    ref = s3_store.put(b"original", name="a.txt")
    seaweed.client().put_object(
        Bucket=s3_bucket, Key=f"tenant-a/artifacts/{ref.key}", Body=b"replaced", Metadata={"sha256": ref.sha256}
    )
    with pytest.raises(ArtifactIntegrityError):
        s3_store.get(ref.key)


def test_presigned_url_expires(s3_store: S3ArtifactStore) -> None:
    ref = s3_store.put(b"short-lived", name="a.txt")
    link = s3_store.link(ref.key, timedelta(seconds=2))
    assert httpx.get(link.url, timeout=30).status_code == 200
    assert httpx.get(link.url.replace(ref.key, ref.key[:-1] + "X"), timeout=30).status_code == 403  # signed path

    deadline = time.monotonic() + 60
    status = 200
    while status == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        status = httpx.get(link.url, timeout=30).status_code
    assert status == 403
    assert datetime.now(UTC) >= link.expires_at  # never refused before the announced expiry


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "/etc/passwd",
        "a/../../b",
        "",
        "a//b",
        "a/./b",
        "%2e%2e/x",
        "a?b",
        "a#b",
        "http://169.254.169.254/latest",
        "a\\b",
        "a/b\n",
    ],
)
def test_keys_cannot_leave_the_store(s3_store: S3ArtifactStore, key: str) -> None:
    for op in (s3_store.get, s3_store.exists, s3_store.delete, s3_store.link, s3_store.open):
        with pytest.raises(PayloadError):
            op(key)


def test_urls_are_resolved_to_keys_only_inside_the_store(
    s3_store: S3ArtifactStore, seaweed: SeaweedServer, s3_bucket: str
) -> None:
    ref = s3_store.put(b"scan", name="scan.png", kind="ocr-input")
    assert ref.url is not None
    assert s3_store.key_for_url(ref.url) == ref.key
    seaweed.client().put_object(Bucket=s3_bucket, Key="secret.txt", Body=b"not yours")
    for url in (
        ref.url.replace("127.0.0.1", "localhost"),  # another host
        f"http://169.254.169.254/{s3_bucket}/tenant-a/artifacts/{ref.key}",  # metadata service
        f"{seaweed.endpoint}/{s3_bucket}/secret.txt",  # outside the prefix
        f"{seaweed.endpoint}/{s3_bucket}/tenant-a/artifacts/../../secret.txt",  # traversal
        f"{seaweed.endpoint}/{s3_bucket}/tenant-a/artifacts/%2e%2e/%2e%2e/secret.txt",
        f"{seaweed.endpoint}/other-bucket/tenant-a/artifacts/{ref.key}",
        f"file:///{ref.key}",
    ):
        with pytest.raises(PayloadError):
            s3_store.key_for_url(url)


def test_store_errors_are_classified(seaweed: SeaweedServer, s3_bucket: str) -> None:
    store = S3ArtifactStore(seaweed.client(), s3_bucket)
    with pytest.raises(ArtifactNotFound):
        store.get("general/2026/01/01/missing")
    with pytest.raises(ArtifactStoreRefused):
        S3ArtifactStore(seaweed.client(), f"{s3_bucket}-missing").objects().__next__()

    import boto3
    from botocore.config import Config

    forged = boto3.client(
        "s3",
        endpoint_url=seaweed.endpoint,
        aws_access_key_id=seaweed.access_key,
        aws_secret_access_key="wrong" * 8,
        region_name=seaweed.region,
        config=Config(s3={"addressing_style": "path"}),
    )
    with pytest.raises(ArtifactStoreRefused):
        S3ArtifactStore(forged, s3_bucket).put(b"x", name="x")

    closed = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="a",
        aws_secret_access_key="b",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(ArtifactStoreUnavailable) as caught:
        S3ArtifactStore(closed, "bucket").put(b"x", name="x")
    assert caught.value.retryable


def test_deep_check_round_trips_a_probe(
    s3_store: S3ArtifactStore, seaweed: SeaweedServer, s3_bucket: str, tmp_path: Path
) -> None:
    from shared.artifacts import FilesystemArtifactStore
    from shared.artifacts.health import artifact_check

    details = artifact_check(lambda: s3_store).check()
    assert details is not None and details["store"] == "S3ArtifactStore" and details["links"] is True
    assert _raw_keys(seaweed, s3_bucket) == []  # the probe is gone
    assert artifact_check(lambda: FilesystemArtifactStore(tmp_path)).check() is not None

    import boto3
    from botocore.config import Config

    closed = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="a",
        aws_secret_access_key="b",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(ArtifactStoreUnavailable):
        artifact_check(lambda: S3ArtifactStore(closed, "bucket")).check()


def test_throttling_and_server_errors_are_transient() -> None:
    """An S3 endpoint answering 503 SlowDown / 500 InternalError (real S3 error documents): retry later."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import boto3
    from botocore.config import Config

    answers = iter(
        [
            (503, "SlowDown", "Please reduce your request rate."),
            (500, "InternalError", "We encountered an internal error."),
        ]
    )

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, code, message = next(answers)
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
                f"<RequestId>1</RequestId></Error>"
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{server.server_port}",
            aws_access_key_id="a",
            aws_secret_access_key="b",
            region_name="us-east-1",
            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
        )
        store = S3ArtifactStore(client, "bucket")
        for code in ("SlowDown", "InternalError"):
            with pytest.raises(ArtifactStoreUnavailable) as caught:
                store.put(b"x", name="x")
            assert caught.value.retryable and caught.value.details["s3_code"] == code
    finally:
        server.shutdown()
        server.server_close()
