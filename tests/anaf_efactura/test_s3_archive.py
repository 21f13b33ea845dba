"""The e-Factura archive in S3: a real ``anaf.efactura`` worker (RabbitMQ, Redis, PostgreSQL outbox) files against
the fake ANAF with ``ARTIFACT_STORE=s3://...`` on the SeaweedFS fixture; the signed ZIP ANAF returns must land in
the bucket under the 10-year ``efactura-archive/`` kind with its SHA-256, and the poll result must carry a
presigned link that a plain HTTP client (another service, another language) downloads the same bytes from.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from celery import Celery

from tests.anaf.events import collect_events
from tests.anaf_efactura.samples import invoice
from tests.fakes.anaf import FakeAnafServer
from tests.support.seaweed import SeaweedServer
from tests.support.workers import WorkerProcess


def test_accepted_invoice_archive_lands_in_the_bucket_with_a_working_link(
    start_worker: Callable[..., WorkerProcess],
    celery_client: Celery,
    efactura_env: dict[str, str],
    fake_anaf: FakeAnafServer,
    broker_url: str,
    seaweed: SeaweedServer,
    s3_bucket: str,
) -> None:
    env = {**efactura_env, **seaweed.env, "ARTIFACT_STORE": f"s3://{s3_bucket}/efactura", "ARTIFACT_URL_TTL": "900"}
    start_worker("anaf.efactura", env=env)
    with collect_events(broker_url, "efactura.#") as events:
        submitted = celery_client.send_task(
            "efactura.submit", kwargs={"invoice": invoice(f"S3-{uuid.uuid4().hex[:6]}")}
        )
        first = submitted.get(timeout=60)
        accepted = events.collect(1, "efactura.accepted")[0]["data"]
    assert first["status"] == "uploaded" and first["zip_url"] is None  # nothing archived yet

    # a caller asks again once it heard "accepted": the terminal result carries the archive's download link
    final = celery_client.send_task("efactura.poll", kwargs={"outbox_id": first["outbox_id"]}).get(timeout=60)
    assert final["status"] == "accepted" and final["zip_artifact"] == accepted["zip_artifact"]
    expected = fake_anaf.state.downloads[final["download_id"]].document
    digest = hashlib.sha256(expected).hexdigest()
    assert final["zip_sha256"] == accepted["zip_sha256"] == digest

    key = f"efactura/{final['zip_artifact']}"
    assert final["zip_artifact"].startswith("efactura-archive/")  # the kind the 10-year lifecycle rule selects
    head = seaweed.client().head_object(Bucket=s3_bucket, Key=key, ChecksumMode="ENABLED")
    assert head["Metadata"]["sha256"] == digest and head["ContentType"] == "application/zip"
    stored = seaweed.client().get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == digest
    if "ChecksumSHA256" in head:  # the server kept the checksum the upload was verified with
        assert base64.b64decode(head["ChecksumSHA256"]) == hashlib.sha256(expected).digest()

    expires = datetime.fromisoformat(final["zip_expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    fetched = httpx.get(final["zip_url"], timeout=60)
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == digest
    tampered = final["zip_url"].replace("Signature=", "Signature=0")  # the link is signed: no guessing another one
    assert httpx.get(tampered, timeout=60).status_code == 403
