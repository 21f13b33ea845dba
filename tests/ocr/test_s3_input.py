"""`ocr.extract` reading its input from S3: a real `ocr` worker with ``ARTIFACT_STORE=s3://...`` on the SeaweedFS
fixture reads a scan another service put in the bucket, by key and by the store's presigned URL."""

from __future__ import annotations

from collections.abc import Callable

from celery import Celery

from shared.artifacts import S3ArtifactStore
from tests.ocr.conftest import encode, text_image
from tests.support.seaweed import SeaweedServer
from tests.support.workers import WorkerProcess


def test_extract_reads_the_scan_from_the_bucket_by_key_and_by_url(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery, seaweed: SeaweedServer, s3_bucket: str
) -> None:
    start_worker("ocr", env={**seaweed.env, "ARTIFACT_STORE": f"s3://{s3_bucket}/ocr", "OCR_THREADS": "2"})
    store = S3ArtifactStore(seaweed.client(), s3_bucket, "ocr")
    scan = encode(text_image(["Factura seria S3 nr. 42"], width=900))
    ref = store.put(scan, name="scan.png", content_type="image/png", kind="ocr-input")
    assert ref.key.startswith("ocr-input/") and ref.url is not None

    by_key = celery_client.send_task("ocr.extract", kwargs={"artifact_key": ref.key, "engine": "tesseract"})
    body = by_key.get(timeout=120)
    assert body["format"] == "png" and "Factura seria S3 nr. 42" in body["text"]

    by_url = celery_client.send_task("ocr.extract", kwargs={"artifact_url": ref.url, "engine": "tesseract"})
    assert "Factura seria S3 nr. 42" in by_url.get(timeout=120)["text"]
