"""``taxpayer.validate`` through RabbitMQ and real worker processes against the fake registry."""

from __future__ import annotations

import pytest

from tests.anaf.events import collect_events
from tests.anaf_taxpayer.test_service import valid_cuis
from tests.fakes.anaf import FakeAnafServer


def test_concurrent_tasks_coalesce_into_batches(start_worker, celery_client, anaf_env, fake_anaf, broker_url):
    """60 single-CUI tasks on a threads worker: a handful of registry calls, 1 req/s held, events published."""
    start_worker("anaf.taxpayer", env=anaf_env, pool="threads", concurrency=64)
    cuis = valid_cuis(60, 6_000_000)
    fake_anaf.state.config.registry_not_found = {cuis[0]}
    with collect_events(broker_url, "anaf.taxpayer.#") as events:
        results = [celery_client.send_task("taxpayer.validate", kwargs={"cui": f"RO{c}"}) for c in cuis]
        bodies = [r.get(timeout=60) for r in results]
        validated = events.collect(60, "anaf.taxpayer.validated")
    assert [b["results"][0]["cui"] for b in bodies] == cuis
    assert bodies[0]["not_found"] == 1 and bodies[0]["results"][0]["company"] is None
    assert all(b["found"] == 1 for b in bodies[1:])
    company = bodies[1]["results"][0]["company"]
    assert company["name"] == f"FIRMA {cuis[1]} SRL" and company["headquarters"]["postal_code"]
    snap = fake_anaf.state.snapshot()
    assert snap["registry_violations"] == 0 and snap["registry_max_batch"] <= 100
    assert 1 <= snap["registry_calls"] <= 6, [c["count"] for c in fake_anaf.state.registry_calls]
    assert len(validated) == 60
    one = next(e for e in validated if e["data"]["results"][0]["cui"] == cuis[1])
    assert one["source"]["worker"] == "anaf.taxpayer" and one["data"]["found"] == 1
    assert one["data"]["results"][0]["name"] == f"FIRMA {cuis[1]} SRL"


def test_bad_check_digit_fails_fast_without_a_call(start_worker, celery_client, anaf_env, fake_anaf):
    start_worker("anaf.taxpayer", env=anaf_env)
    result = celery_client.send_task("taxpayer.validate", kwargs={"cuis": ["4221306", "RO12345678"]})
    with pytest.raises(Exception) as info:
        result.get(timeout=30)
    error = info.value.args[0]
    assert error["code"] == "invalid_payload"
    assert error["errors"][0]["loc"] == ["cuis", "1"] and "check digit" in error["errors"][0]["msg"]
    assert result.state == "FAILURE"
    assert fake_anaf.state.registry_calls == [] and fake_anaf.state.registry_arrivals == []


def test_outage_answers_stale_then_recovers(start_worker, celery_client, anaf_env, fake_anaf: FakeAnafServer):
    start_worker("anaf.taxpayer", env={**anaf_env, "ANAF_TAXPAYER_BACKOFF_S": "0.1"})
    cui = valid_cuis(1, 6_500_000)[0]
    fresh = celery_client.send_task("taxpayer.validate", kwargs={"cui": cui}).get(timeout=30)
    assert fresh["results"][0]["source"] == "anaf"
    fake_anaf.state.config.registry_down = True
    stale = celery_client.send_task("taxpayer.validate", kwargs={"cui": cui, "use_cache": False}).get(timeout=60)
    record = stale["results"][0]
    assert record["stale"] is True and record["source"] == "stale_cache" and stale["stale"] == 1
    assert record["company"] == fresh["results"][0]["company"]
    fake_anaf.state.config.registry_down = False
    again = celery_client.send_task("taxpayer.validate", kwargs={"cui": cui, "use_cache": False}).get(timeout=30)
    assert again["results"][0]["stale"] is False and again["results"][0]["source"] == "anaf"


def test_deep_readiness(start_worker, anaf_env):
    import httpx

    worker = start_worker("anaf.taxpayer", env=anaf_env)
    answer = httpx.get(worker.health_url + "/readyz", params={"deep": "true"}, timeout=30)
    checks = {c["name"]: c for c in answer.json()["deep"]}
    assert answer.status_code == 200 and set(checks) == {"redis", "anaf-registry-host"}, checks
    assert checks["redis"]["details"]["pending_lookups"] == 0
