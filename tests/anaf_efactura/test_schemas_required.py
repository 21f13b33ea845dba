"""e-Factura files nothing unvalidated: no start in production without its schemas, no upload in development."""

from __future__ import annotations

import httpx

from tests.anaf_efactura.samples import invoice
from tests.schemas.support import deep_readiness_fails, failed_for_schemas, refuses_to_start


def test_production_worker_refuses_to_start_without_schemas(start_worker, efactura_env, fake_anaf, tmp_path):
    refuses_to_start(start_worker, "anaf.efactura", efactura_env, tmp_path / "empty")
    assert fake_anaf.state.requests == []


def test_development_worker_uploads_nothing_without_schemas(
    start_worker, celery_client, efactura_env, fake_anaf, tmp_path
):
    worker = start_worker(
        "anaf.efactura",
        env={**efactura_env, "WORKERS_CORE_ENV": "development", "WORKERS_CORE_SCHEMAS_DIR": str(tmp_path / "empty")},
    )
    deep_readiness_fails(worker)
    before = list(fake_anaf.state.requests)
    failed_for_schemas(celery_client.send_task("efactura.submit", kwargs={"invoice": invoice("FCT-NOSCHEMA-1")}))
    assert [r for r in fake_anaf.state.requests if r not in before and "upload" in r] == []
    assert fake_anaf.state.upload_attempts == []


def test_validated_with_is_recorded_on_the_filing(start_worker, celery_client, efactura_env, fake_anaf):
    worker = start_worker("anaf.efactura", env=efactura_env)
    result = celery_client.send_task("efactura.submit", kwargs={"invoice": invoice("FCT-WITH-1")}).get(timeout=90)
    assert result["validated_with"] == [{"name": "ubl-2.1", "version": "2.1"}, {"name": "cius-ro", "version": "1.0.9"}]
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    assert 'workers_core_schema_info{name="ubl-2.1",version="2.1"} 1.0' in metrics
    assert 'workers_core_schema_info{name="cius-ro",version="1.0.9"} 1.0' in metrics
