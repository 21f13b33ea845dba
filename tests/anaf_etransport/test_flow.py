"""etransport.submit through RabbitMQ to a real worker against the fake ANAF: UIT, verdicts, events, idempotency."""

from __future__ import annotations

import time
import uuid

import httpx

from anaf_etransport.uit import is_valid_uit
from tests.anaf_etransport import samples
from tests.fakes.anaf.etransport import book


def _send(celery_client, **kwargs):
    return celery_client.send_task("etransport.submit", kwargs=kwargs)


def test_notification_gets_a_valid_uit_then_correction_and_deletion(
    start_worker, celery_client, etr_env, fake_anaf, etr_events
):
    start_worker("anaf.etransport", env=etr_env)
    key = f"shipment-{uuid.uuid4().hex[:8]}"
    first = _send(celery_client, declaration=samples.domestic(), idempotency_key=key).get(timeout=60)
    assert first["state"] == "ok" and first["uit_valid"] is True
    assert is_valid_uit(first["uit"]) and first["kind"] == "notificare"
    event = etr_events.wait_for("etransport.uit_issued")
    assert event["data"]["uit"] == first["uit"] and event["data"]["key"] == key
    filings = book(fake_anaf.state).uploads("notificare")
    assert len(filings) == 1 and filings[0].ref == "DLV-001"

    # the same request again (a consumer retry): no second filing, same UIT
    again = _send(celery_client, declaration=samples.domestic(), idempotency_key=key).get(timeout=60)
    assert again["uit"] == first["uit"] and again["duplicate"] is True
    assert len(book(fake_anaf.state).uploads("notificare")) == 1

    corr = samples.domestic(corrects_uit=first["uit"])
    corrected = _send(celery_client, declaration=corr).get(timeout=60)
    assert corrected["state"] == "ok" and corrected["kind"] == "corectie" and corrected["uit"] == first["uit"]

    deletion = {"declarant_code": "12345674", "document": {"kind": "stergere", "uit": first["uit"]}}
    deleted = _send(celery_client, declaration=deletion).get(timeout=60)
    assert deleted["state"] == "ok"
    assert first["uit"] in book(fake_anaf.state).deleted_uits
    etr_events.wait_for("etransport.accepted")


def test_unknown_uit_is_rejected_with_anaf_errors(start_worker, celery_client, etr_env, fake_anaf, etr_events):
    start_worker("anaf.etransport", env=etr_env)
    uit = samples.make_uit("9E0P0C0J0J3DQV")
    result = _send(
        celery_client,
        declaration={
            "declarant_code": "12345674",
            "document": {"kind": "confirmare", "uit": uit, "confirmation_type": "10"},
        },
    ).get(timeout=60)
    assert result["state"] == "nok" and result["uit_valid"] is False
    assert any(uit in e for e in result["errors"])
    event = etr_events.wait_for("etransport.rejected")
    assert event["data"]["errors"] == result["errors"]


def test_slow_processing_is_followed_up_by_poll_tasks(start_worker, celery_client, etr_env, fake_anaf, etr_events):
    httpx.post(f"{fake_anaf.url}/_fake/config", json={"processing_delay_s": 3.0}, timeout=5)
    start_worker("anaf.etransport", env=etr_env)
    result = _send(celery_client, declaration=samples.export()).get(timeout=60)
    assert result["state"] == "processing" and result["uit"] and result["uit_valid"] is False
    event = etr_events.wait_for("etransport.uit_issued", timeout=30)
    assert event["data"]["uit"] == result["uit"] and event["data"]["uit_valid"] is True
    assert len(book(fake_anaf.state).uploads()) == 1


def test_invalid_or_hostile_input_fails_fast_and_sends_nothing(start_worker, celery_client, etr_env, fake_anaf):
    start_worker("anaf.etransport", env=etr_env)
    bad = samples.domestic()
    bad["document"]["partner"]["country_code"] = "DE"
    r = _send(celery_client, declaration=bad)
    r.get(timeout=30, propagate=False)
    assert r.state == "FAILURE"
    err = r.result.args[0] if r.result.args else {}
    assert err["code"] == "invalid_payload" and "BR-005" in str(err["errors"])
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<eTransport xmlns="mfp:anaf:dgti:eTransport:declaratie:v2" codDeclarant="12345674"><stergere uit="&e;"/></eTransport>'
    )
    r2 = _send(celery_client, xml=xxe, cif="12345674")
    r2.get(timeout=30, propagate=False)
    assert r2.state == "FAILURE" and r2.result.args[0]["code"] == "etransport_invalid"
    assert "DOCTYPE" in str(r2.result.args[0]["errors"])
    assert book(fake_anaf.state).uploads() == []


def test_worker_killed_during_upload_never_files_twice(start_worker, celery_client, etr_env, fake_anaf):
    httpx.post(f"{fake_anaf.url}/_fake/config", json={"upload_response_delay_s": 4.0}, timeout=5)
    worker = start_worker("anaf.etransport", env=etr_env)
    key = f"crash-{uuid.uuid4().hex[:8]}"
    r = _send(celery_client, declaration=samples.domestic(), idempotency_key=key)
    deadline = time.monotonic() + 30
    while not book(fake_anaf.state).uploads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert book(fake_anaf.state).uploads(), "upload never reached the fake"
    worker.kill()  # the POST landed at ANAF, the answer is lost with the process
    httpx.post(f"{fake_anaf.url}/_fake/config", json={"upload_response_delay_s": 0.0}, timeout=5)
    start_worker("anaf.etransport", env=etr_env)  # the message is redelivered (acks_late)
    result = r.get(timeout=90)
    filings = book(fake_anaf.state).uploads()
    assert len(filings) == 1
    assert result["state"] == "ok" and result["uit"] == filings[0].uit and result["index_incarcare"] == filings[0].index
