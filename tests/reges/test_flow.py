"""reges.submit / reges.drain through RabbitMQ to a real reges worker against the fake REGES."""

from __future__ import annotations

import uuid

from tests.fakes.anaf.reges import book
from tests.reges import samples


def test_register_employee_then_contract_results_are_drained(
    start_worker, celery_client, reges_env, fake_reges, reges_events
):
    start_worker("reges", env=reges_env)
    mid = str(uuid.uuid4())
    sent = celery_client.send_task(
        "reges.submit",
        kwargs={"employer_cui": "18547290", "message_id": mid, "message": samples.ALL["InregistrareSalariat"]},
    ).get(timeout=60)
    assert sent["state"] == "submitted" and sent["message_id"] == mid and len(sent["response_id"]) == 36
    ev = reges_events.wait_for("reges.submitted")
    assert ev["data"]["response_id"] == sent["response_id"]

    # redelivery / retry with the same MessageId: the persisted receipt is returned, nothing re-sent
    again = celery_client.send_task(
        "reges.submit",
        kwargs={"employer_cui": "18547290", "message_id": mid, "message": samples.ALL["InregistrareSalariat"]},
    ).get(timeout=60)
    assert again["response_id"] == sent["response_id"] and again["duplicate"] is True
    assert len(book(fake_reges.state).submissions) == 1

    drained = celery_client.send_task("reges.drain", kwargs={"batch": 10}).get(timeout=60)
    assert drained["results"] == 1
    result = reges_events.wait_for("reges.result")
    assert result["data"]["response_id"] == sent["response_id"] and result["data"]["state"] == "succeeded"
    employee_ref = result["data"]["result"]["ref"]
    assert book(fake_reges.state).cursors[("18547290", "workers-core-test")] == 1  # committed exactly what was read

    contract = {**samples.ALL["AdaugareContract"], "content": {**samples.CONTENT, "employee_ref": employee_ref}}
    c = celery_client.send_task(
        "reges.submit", kwargs={"employer_cui": "18547290", "message": contract, "format": "json"}
    ).get(timeout=60)
    assert c["state"] == "submitted" and book(fake_reges.state).submissions[-1]["format"] == "json"
    bad = celery_client.send_task(
        "reges.submit", kwargs={"employer_cui": "18547290", "message": samples.ALL["ModificareSalariat"]}
    ).get(timeout=60)
    drained = celery_client.send_task("reges.drain", kwargs={"batch": 1}).get(timeout=60)
    assert drained == {"results": 2, "batches": 2, "consumer_id": "workers-core-test"}
    assert celery_client.send_task("reges.drain", kwargs={}).get(timeout=60)["results"] == 0  # 204: empty
    states = {}
    reges_events.drain(1.0)
    for key, payload in reges_events.received:
        if key == "reges.result":
            states[payload["data"]["response_id"]] = payload["data"]["state"]
    assert states[c["response_id"]] == "succeeded" and states[bad["response_id"]] == "failed"


def test_bad_input_fails_fast_and_nothing_is_sent(start_worker, celery_client, reges_env, fake_reges):
    start_worker("reges", env=reges_env)
    bad = {**samples.ALL["InregistrareSalariat"], "info": {**samples.INFO, "cnp": "123"}}
    r = celery_client.send_task("reges.submit", kwargs={"employer_cui": "18547290", "message": bad})
    r.get(timeout=30, propagate=False)
    assert r.state == "FAILURE" and r.result.args[0]["code"] == "invalid_payload"
    other = celery_client.send_task(
        "reges.submit", kwargs={"employer_cui": "14399840", "message": samples.ALL["InregistrareSalariat"]}
    )
    other.get(timeout=30, propagate=False)
    assert other.state == "FAILURE" and other.result.args[0]["errors"][0]["type"] == "wrong_register"
    assert book(fake_reges.state).submissions == []
