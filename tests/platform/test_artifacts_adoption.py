"""Workers on the S3 artifact store: results carry a download link that a plain HTTP client can fetch.

Real worker processes (RabbitMQ, Redis) configured by ``ARTIFACT_STORE=s3://...`` and the standard AWS variables
of the SeaweedFS fixture; the OCR input by URL is resolved in-process (no engine needed to read the input).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from celery import Celery
from pydantic import ValidationError

from shared.artifacts import S3ArtifactStore
from shared.errors import PayloadError
from tests.support.seaweed import SeaweedServer
from tests.support.workers import WorkerProcess


@pytest.fixture
def s3_worker_env(seaweed: SeaweedServer, s3_bucket: str) -> dict[str, str]:
    return {**seaweed.env, "ARTIFACT_STORE": f"s3://{s3_bucket}/workers", "ARTIFACT_URL_TTL": "900"}


def _fetch(url: str, sha256: str) -> bytes:
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == sha256
    return response.content


def test_saft_export_ends_with_a_download_link(
    start_worker: Callable[..., WorkerProcess],
    celery_client: Celery,
    s3_worker_env: dict[str, str],
    seaweed: SeaweedServer,
    s3_bucket: str,
    tmp_path: Path,
) -> None:
    from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export

    store = S3ArtifactStore(seaweed.client(), s3_bucket, "workers")
    paths = write_sample_export(tmp_path / "exp", lines=60, fmt="csv")
    keys = {k: store.put(p.read_bytes(), name=p.name, content_type="text/csv").key for k, p in paths.items()}
    start_worker("anaf.saft", env={**s3_worker_env, "ANAF_SAFT_MAX_LINES_PER_SEGMENT": "45"})
    payload = {
        "company": SAMPLE_COMPANY,
        "period": {"year": 2025, "start_month": 7, "end_month": 7},
        "period_type": "L",
        "test": True,
        "source": {"kind": "export", "format": "csv", **keys},
    }
    result = celery_client.send_task("saft.generate", kwargs=payload).get(timeout=120)

    assert result["xsd_valid"] is True and len(result["segments"]) == 2
    expires = datetime.fromisoformat(result["expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    first = _fetch(result["url"], result["sha256"])
    assert b"AuditFile" in first and result["key"].startswith("saft/")
    for segment in result["segments"]:
        assert store.get(segment["key"]) == _fetch(segment["url"], segment["sha256"])
    lifecycle_prefix = {o.key.split("/", 1)[0] for o in store.objects()}
    assert lifecycle_prefix == {"general", "saft"}  # the D406 files fall under the 10-year rule


@pytest.mark.chromium
def test_pdf_render_result_carries_url_and_expiry(
    start_worker: Callable[..., WorkerProcess], celery_client: Celery, s3_worker_env: dict[str, str]
) -> None:
    start_worker("pdf.render", env=s3_worker_env)
    body = celery_client.send_task("pdf.render", kwargs={"html": "<h1>Factură</h1>", "filename": "f.pdf"}).get(
        timeout=90
    )
    assert body["key"].startswith("render/") and body["url"] and body["expires_at"]
    assert _fetch(body["url"], body["sha256"]).startswith(b"%PDF")


def test_ocr_reads_its_input_by_the_stores_url_only(s3_store: S3ArtifactStore) -> None:
    from ocr.engines import EngineRegistry
    from ocr.extraction import OcrService
    from ocr.models import OcrRequest
    from tests.ocr.conftest import ocr_settings

    settings = ocr_settings()
    service = OcrService(settings, EngineRegistry(lambda: settings), s3_store)
    ref = s3_store.put(b"\x89PNG scan", name="scan.png", content_type="image/png", kind="ocr-input")
    assert ref.url is not None
    assert service.read_input(OcrRequest(artifact_url=ref.url)) == (b"\x89PNG scan", "artifact_url")
    assert service.read_input(OcrRequest(artifact_key=ref.key)) == (b"\x89PNG scan", "artifact_key")
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        ref.url.replace("127.0.0.1", "10.0.0.1"),
        "file:///etc/passwd",
    ):
        with pytest.raises(PayloadError):
            service.read_input(OcrRequest(artifact_url=url))
    with pytest.raises(ValidationError):
        OcrRequest(artifact_url=ref.url, artifact_key=ref.key)
