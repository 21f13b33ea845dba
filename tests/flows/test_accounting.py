"""Accounting: ``saft.generate`` for a period -> a download link (S3 presigned URL, SeaweedFS) -> the caller fetches
the D406 file and checks its SHA-256, from the task's result and from the ``saft.generated`` event."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import httpx

from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from shared.artifacts import S3ArtifactStore
from shared.context import CORRELATION_HEADER
from tests.anaf.events import collect_events
from tests.support.seaweed import SeaweedServer


def test_saft_for_a_period_ends_with_a_link_the_caller_fetches_and_checks(
    make_stack, celery_client, seaweed: SeaweedServer, s3_bucket: str, broker_url, tmp_path
) -> None:
    store = S3ArtifactStore(seaweed.client(), s3_bucket, "accounting")
    paths = write_sample_export(tmp_path / "exp", lines=40, fmt="csv")
    keys = {k: store.put(p.read_bytes(), name=p.name, content_type="text/csv").key for k, p in paths.items()}
    env = {**seaweed.env, "ARTIFACT_STORE": f"s3://{s3_bucket}/accounting", "ARTIFACT_URL_TTL": "600"}
    make_stack(env).start("anaf.saft")
    cid = f"accounting-{uuid.uuid4().hex}"
    payload = {
        "company": SAMPLE_COMPANY,
        "period": {"year": 2025, "start_month": 7, "end_month": 7},
        "period_type": "L",
        "test": True,
        "source": {"kind": "export", "format": "csv", **keys},
    }
    with collect_events(broker_url, "saft.#") as events:
        sent = celery_client.send_task("saft.generate", kwargs=payload, headers={CORRELATION_HEADER: cid})
        result = sent.get(timeout=120)
        (generated,) = events.collect(1, "saft.generated", timeout=30)
    assert (
        result["xsd_valid"] is True
        and result["url"]
        and datetime.fromisoformat(result["expires_at"]) > datetime.now(UTC)
    )
    download = httpx.get(result["url"], timeout=60)  # what the accounting module does with the link
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == result["sha256"]
    assert b"AuditFile" in download.content
    assert generated["correlation_id"] == cid and generated["data"]["sha256"] == result["sha256"]
    if generated["data"].get("url"):
        assert hashlib.sha256(httpx.get(generated["data"]["url"], timeout=60).content).hexdigest() == result["sha256"]
