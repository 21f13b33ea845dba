"""Warehouse (iWMS): a shipment -> e-Transport declaration -> UIT back by result and by event; correction, deletion.

One real ``anaf.etransport`` worker against the fake ANAF; each iWMS call carries its own correlation id, and the
events the worker publishes for it carry that id and the shipment's idempotency key.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from anaf_etransport.uit import is_valid_uit
from shared.context import CORRELATION_HEADER
from tests.anaf.events import EventCollector, collect_events
from tests.anaf_etransport import samples
from tests.fakes.anaf import FakeAnafServer
from tests.fakes.anaf.etransport import book
from tests.flows.conftest import Stack


@pytest.fixture(scope="module")
def stack(make_stack, anaf_worker_env) -> Stack:  # type: ignore[no-untyped-def]
    env = {
        **anaf_worker_env,
        "ANAF_ETRANSPORT_INLINE_POLL_DELAYS": "[0.2, 0.4, 0.8]",
        "ANAF_ETRANSPORT_POLL_DELAYS": "[1, 1]",
        "ANAF_ETRANSPORT_RECONCILE_WINDOW_S": "60",
    }
    return make_stack(env).start("anaf.etransport")


def _declare(celery_client, declaration: dict[str, Any], cid: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    kwargs = {"declaration": declaration, **extra}
    sent = celery_client.send_task("etransport.submit", kwargs=kwargs, headers={CORRELATION_HEADER: cid})
    return dict(sent.get(timeout=90))


def _one(events: EventCollector, name: str, cid: str) -> dict[str, Any]:
    """The one event ``name`` of the call ``cid`` (waiting for it; others of that name may come first)."""
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        found = [e for e in events.named(name) if e["correlation_id"] == cid]
        if found:
            break
        events.collect(len(events.events) + 1, timeout=0.5)
    assert len(found) == 1, f"{name} for {cid}: {len(found)}"
    return found[0]


def test_shipment_gets_its_uit_by_result_and_event_then_correction_and_deletion(
    stack: Stack, celery_client, broker_url, module_anaf: FakeAnafServer
) -> None:
    shipment = f"WMS-{uuid.uuid4().hex[:8]}"
    declaration = samples.domestic()
    declaration["declarant_ref"] = shipment
    ids = {
        step: f"iwms-{step}-{uuid.uuid4().hex[:8]}" for step in ("ship", "again", "fix", "delete", "delete2", "late")
    }
    with collect_events(broker_url, "etransport.#") as events:
        first = _declare(celery_client, declaration, ids["ship"], idempotency_key=f"iwms:{shipment}")
        assert first["state"] == "ok" and first["kind"] == "notificare" and is_valid_uit(first["uit"])
        issued = _one(events, "etransport.uit_issued", ids["ship"])
        assert issued["data"]["uit"] == first["uit"] and issued["data"]["key"] == f"iwms:{shipment}"
        # iWMS retries the same shipment: the same UIT, nothing filed again
        again = _declare(celery_client, declaration, ids["again"], idempotency_key=f"iwms:{shipment}")
        assert again["uit"] == first["uit"] and again["duplicate"] is True
        assert [f.ref for f in book(module_anaf.state).uploads("notificare")].count(shipment) == 1
        # the truck's load changed: a correction keeps the UIT
        fixed = _declare(
            celery_client, {**samples.domestic(corrects_uit=first["uit"]), "declarant_ref": shipment}, ids["fix"]
        )
        assert fixed["state"] == "ok" and fixed["kind"] == "corectie" and fixed["uit"] == first["uit"]
        corrected = _one(events, "etransport.uit_issued", ids["fix"])["data"]
        assert corrected["uit"] == first["uit"] and corrected["kind"] == "corectie"
        # the shipment is cancelled: the declaration is deleted (once, however often iWMS asks)
        deletion = {"declarant_code": "12345674", "document": {"kind": "stergere", "uit": first["uit"]}}
        deleted = _declare(celery_client, deletion, ids["delete"])
        assert deleted["state"] == "ok" and first["uit"] in book(module_anaf.state).deleted_uits
        assert _one(events, "etransport.accepted", ids["delete"])["data"]["kind"] == "stergere"
        twice = _declare(celery_client, deletion, ids["delete2"])  # iWMS retried the cancellation
        assert twice["state"] == "ok" and twice["duplicate"] is True
        assert len(book(module_anaf.state).uploads("stergere")) == 1
        # the receiving dock confirms the deleted transport: ANAF's "nok", with its errors by result and by event
        late = {
            "declarant_code": "12345674",
            "document": {"kind": "confirmare", "uit": first["uit"], "confirmation_type": "10"},
        }
        refused = _declare(celery_client, late, ids["late"])
        assert refused["state"] == "nok" and refused["errors"]
        assert _one(events, "etransport.rejected", ids["late"])["data"]["errors"] == refused["errors"]
        by_cid = {e["correlation_id"] for e in events.events}
    assert by_cid <= set(ids.values())


def test_slow_processing_brings_the_uit_by_event_after_the_result(
    stack: Stack, celery_client, broker_url, module_anaf: FakeAnafServer
) -> None:
    module_anaf.state.config.processing_delay_s = 8.0  # well past the submit on a loaded machine
    cid = f"iwms-{uuid.uuid4().hex}"
    # a shipment of its own: without an idempotency key the filing's key is the document's hash, and an earlier
    # test of the session filing the same sample would be answered from the outbox ("ok", a duplicate)
    declaration = {**samples.export(), "declarant_ref": f"WMS-{uuid.uuid4().hex[:8]}"}
    try:
        with collect_events(broker_url, "etransport.#") as events:
            result = _declare(celery_client, declaration, cid)
            assert result["duplicate"] is False, result
            assert result["state"] == "processing" and result["uit"] and result["uit_valid"] is False
            issued = _one(events, "etransport.uit_issued", cid)
    finally:
        module_anaf.state.config.processing_delay_s = 0.3
    assert issued["data"]["uit"] == result["uit"] and issued["data"]["uit_valid"] is True
