"""The e-Transport declaration in S3: a real ``anaf.etransport`` worker files against the fake ANAF with
``ARTIFACT_STORE=s3://...`` on the SeaweedFS fixture; the XML it filed must be in the bucket with the SHA-256 of the
result, readable through the store's presigned link by a plain HTTP client, and a repeated request must reuse it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

import httpx
from celery import Celery

from shared.artifacts import S3ArtifactStore
from tests.anaf_etransport import samples
from tests.fakes.anaf import FakeAnafServer
from tests.fakes.anaf.etransport import book
from tests.support.seaweed import SeaweedServer
from tests.support.workers import WorkerProcess


def test_filed_declaration_is_stored_in_the_bucket_with_its_sha256(
    start_worker: Callable[..., WorkerProcess],
    celery_client: Celery,
    etr_env: dict[str, str],
    fake_anaf: FakeAnafServer,
    seaweed: SeaweedServer,
    s3_bucket: str,
) -> None:
    start_worker("anaf.etransport", env={**etr_env, **seaweed.env, "ARTIFACT_STORE": f"s3://{s3_bucket}/etransport"})
    key = f"shipment-{uuid.uuid4().hex[:8]}"
    send = {"declaration": samples.domestic(), "idempotency_key": key}
    result = celery_client.send_task("etransport.submit", kwargs=send).get(timeout=60)
    assert result["state"] == "ok" and result["xml_artifact"]

    store = S3ArtifactStore(seaweed.client(), s3_bucket, "etransport")
    stored = store.get(result["xml_artifact"])
    assert hashlib.sha256(stored).hexdigest() == result["xml_sha256"]
    filed = book(fake_anaf.state).uploads("notificare")
    assert len(filed) == 1 and stored.startswith(b"<?xml") and b"DLV-001" in stored
    head = seaweed.client().head_object(Bucket=s3_bucket, Key=f"etransport/{result['xml_artifact']}")
    assert head["Metadata"]["sha256"] == result["xml_sha256"]

    link = store.link(result["xml_artifact"])
    assert link is not None
    fetched = httpx.get(link.url, timeout=60)
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == result["xml_sha256"]

    again = celery_client.send_task("etransport.submit", kwargs=send).get(timeout=60)
    assert again["duplicate"] is True and again["xml_artifact"] == result["xml_artifact"]
    assert len(list(store.objects())) == 1  # the retry stored nothing new
