"""``efactura.submit`` / ``efactura.poll`` through RabbitMQ and real worker processes against the fake ANAF."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest

from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import build_ubl
from tests.anaf.events import collect_events
from tests.anaf_efactura.samples import invoice
from tests.fakes.anaf import FakeAnafServer
from tests.observability import contract


def _row(database_url: str, outbox_id: int) -> dict:
    with psycopg.connect(database_url) as conn:
        cur = conn.execute(
            "SELECT state, (data->>'upload_index')::bigint, data->>'zip_artifact', attempts FROM workers_core_outbox "
            "WHERE namespace = 'efactura' AND id = %s",
            (outbox_id,),
        )
        status, index, zip_key, attempts = cur.fetchone()
    return {"status": status, "upload_index": index, "zip_artifact": zip_key, "attempts": attempts}


def test_submit_then_polls_until_accepted(
    start_worker, celery_client, efactura_env, fake_anaf: FakeAnafServer, broker_url, database_url, artifact_dir
):
    start_worker("anaf.efactura", env=efactura_env)
    number = f"FCT-{uuid.uuid4().hex[:6]}-7"
    with collect_events(broker_url, "efactura.#") as events:
        result = celery_client.send_task("efactura.submit", kwargs={"invoice": invoice(number)}).get(timeout=60)
        accepted = events.collect(1, "efactura.accepted")
    assert result["status"] == "uploaded" and result["upload_index"] in fake_anaf.state.filings
    assert events.named("efactura.submitted")[0]["data"]["upload_index"] == result["upload_index"]
    data = accepted[0]["data"]
    assert data["upload_index"] == result["upload_index"] and data["signature"]["trusted"] is True
    stored = (artifact_dir / data["zip_artifact"]).read_bytes()
    assert stored == fake_anaf.state.downloads[data["download_id"]].document
    assert _row(database_url, result["outbox_id"])["status"] == "accepted"


def test_invalid_invoice_fails_with_rule_ids_and_nothing_uploaded(
    start_worker, celery_client, efactura_env, fake_anaf: FakeAnafServer
):
    start_worker("anaf.efactura", env=efactura_env)
    xml = build_ubl(Invoice.model_validate(invoice("FCT-77"))).replace(b"<cbc:ID>FCT-77", b"<cbc:ID>FCT-FARA")
    result = celery_client.send_task("efactura.submit", kwargs={"xml": xml.decode()})
    with pytest.raises(Exception) as info:
        result.get(timeout=60)
    error = info.value.args[0]
    assert error["code"] == "efactura_invalid" and "BR-RO-010" in {e["type"] for e in error["errors"]}
    hostile = celery_client.send_task(
        "efactura.submit",
        kwargs={"xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'},
    )
    with pytest.raises(Exception) as info:
        hostile.get(timeout=60)
    assert info.value.args[0]["errors"][0]["type"] == "dtd_forbidden"
    assert fake_anaf.state.upload_attempts == []


def test_worker_killed_mid_upload_files_exactly_once(
    start_worker, celery_client, efactura_env, fake_anaf: FakeAnafServer, broker_url, database_url
):
    """SIGKILL between ANAF recording the upload and us recording the index: the redelivery reconciles."""
    fake_anaf.state.config.upload_response_delay_s = 60
    first = start_worker("anaf.efactura", env=efactura_env)
    with collect_events(broker_url, "efactura.#") as events:
        pending = celery_client.send_task(
            "efactura.submit", kwargs={"invoice": invoice(f"FCT-{uuid.uuid4().hex[:6]}-9")}
        )
        deadline = time.monotonic() + 30
        while not fake_anaf.state.filings and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(fake_anaf.state.filings) == 1  # ANAF has it; the worker is still waiting for the answer
        first.kill()
        fake_anaf.state.config.upload_response_delay_s = 0
        start_worker("anaf.efactura", env=efactura_env)
        result = pending.get(timeout=90)
        names = [e["event"] for e in events.collect(2, timeout=20)]
    assert result["status"] == "accepted"
    assert len(fake_anaf.state.filings) == 1 and len(fake_anaf.state.upload_attempts) == 1
    (index,) = fake_anaf.state.filings
    assert result["upload_index"] == index
    assert names.count("efactura.submitted") == 1 and names.count("efactura.accepted") == 1
    row = _row(database_url, result["outbox_id"])
    assert row["status"] == "accepted" and row["attempts"] == 1


def test_deep_readiness_reports_tokens_and_exports_the_expiry_metric(
    start_worker, efactura_env, fake_anaf, celery_client
):
    import httpx

    # only the refresh token seeded: the worker's first ANAF call refreshes the pair (and counts the call)
    env = {k: v for k, v in efactura_env.items() if k != "ANAF_ACCESS_TOKEN"}
    worker = start_worker("anaf.efactura", env=env)
    filed = celery_client.send_task("efactura.submit", kwargs={"invoice": invoice(f"FCT-{uuid.uuid4().hex[:6]}-T")})
    assert filed.get(timeout=90)["status"] in ("uploaded", "accepted")
    answer = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=30)
    checks = {c["name"]: c for c in answer.json()["deep"]}
    assert answer.status_code == 200, checks
    assert set(checks) == {"schemas", "efactura-outbox", "anaf-oauth", "anaf-api-host", "redis"}
    oauth = checks["anaf-oauth"]["details"]
    assert oauth["bootstrapped"] and oauth["refresh_valid_s"] > 360 * 86400 and not oauth["refresh_expiry_warning"]
    metrics = httpx.get(worker.health_url + "/metrics", timeout=10).text
    line = next(m for m in metrics.splitlines() if m.startswith("anaf_oauth_refresh_token_expiry_timestamp_seconds{"))
    assert 'client_id="fake-client-id"' in line and float(line.split()[-1]) > time.time() + 360 * 86400
    # the metric contract for what only ANAF workers export: every anaf_* series an alert rule or a dashboard
    # queries is here, with the labels the query needs
    rules, recorded = contract.rule_uses()
    uses = contract.merge(rules, contract.dashboard_uses())
    anaf_uses = {name: use for name, use in uses.items() if name.startswith(contract.ANAF_PREFIX)}
    assert {"anaf_oauth_refresh_token_expiry_timestamp_seconds", "anaf_oauth_token_refresh_total"} <= set(anaf_uses)
    assert contract.violations(anaf_uses, recorded, [metrics]) == []


def test_deep_readiness_fails_without_a_token(start_worker, anaf_env):
    import httpx

    worker = start_worker("anaf.efactura", env=anaf_env)
    answer = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=30)
    checks = {c["name"]: c for c in answer.json()["deep"]}
    assert answer.status_code == 503
    assert checks["anaf-oauth"]["status"] == "fail" and "authorize-url" in checks["anaf-oauth"]["error"]
    assert checks["schemas"]["status"] == "ok"
    assert checks["schemas"]["details"]["artefacts"] == [
        {"name": "ubl-2.1", "version": "2.1"},
        {"name": "cius-ro", "version": "1.0.9"},
    ]
