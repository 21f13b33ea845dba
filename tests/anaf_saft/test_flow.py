"""saft.generate through RabbitMQ to a real anaf.saft worker: stored file, verdicts, event; bad input fails fast."""

from __future__ import annotations

import hashlib

from anaf_saft.sample import SAMPLE_COMPANY, write_sample_export
from shared.artifacts import FilesystemArtifactStore
from tests.anaf_etransport.events import EventSink


def test_generate_through_a_worker(start_worker, celery_client, worker_env, artifact_dir, broker_url, tmp_path):
    store = FilesystemArtifactStore(artifact_dir)
    paths = write_sample_export(tmp_path / "exp", lines=60, fmt="csv")
    keys = {k: store.put(p.read_bytes(), name=p.name, content_type="text/csv").key for k, p in paths.items()}
    start_worker("anaf.saft", env={"ANAF_SAFT_MAX_LINES_PER_SEGMENT": "45"})
    sink = EventSink(broker_url, "saft.#")
    try:
        payload = {
            "company": SAMPLE_COMPANY,
            "period": {"year": 2025, "start_month": 7, "end_month": 7},
            "period_type": "L",
            "test": True,
            "source": {"kind": "export", "format": "csv", **keys},
        }
        result = celery_client.send_task("saft.generate", kwargs=payload).get(timeout=60)
        assert (
            result["xsd_valid"] is True and result["lines"] == 78 and len(result["segments"]) == 2
        )  # 60 invoice postings + 9 bank postings of 2
        assert result["namespace"].endswith(":d406t:declaratie:v1")
        assert result["duk"]["configured"] is False and "not configured" in result["duk"]["detail"]
        data = store.get(result["key"])
        assert hashlib.sha256(data).hexdigest() == result["sha256"]
        event = sink.wait_for("saft.generated")
        assert event["data"]["key"] == result["key"] and event["data"]["company"] == "RO18547290"

        bad = dict(
            payload,
            source={"kind": "export", "format": "csv", "accounts": keys["accounts"], "lines": "../../etc/passwd"},
        )
        r = celery_client.send_task("saft.generate", kwargs=bad)
        r.get(timeout=30, propagate=False)
        assert r.state == "FAILURE" and r.result.args[0]["code"] == "invalid_payload"
        missing = dict(payload, source={"kind": "export", "accounts": keys["accounts"], "lines": "2026/01/01/none.csv"})
        r = celery_client.send_task("saft.generate", kwargs=missing)
        r.get(timeout=30, propagate=False)
        assert r.state == "FAILURE" and r.result.args[0]["errors"][0]["type"] == "not_found"
        sink.wait_for("saft.generate.failed")
    finally:
        sink.close()
