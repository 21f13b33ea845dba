"""``InvoiceFlow`` looked at one call at a time (no workers): real PostgreSQL rows, the real Redis result backend.

What the end-to-end tests cannot time: a look redelivered after its write sends exactly what it sent before
(same child and next-look task ids), a duplicate or stale look does nothing, and the e-Factura row decides when
the flow mails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery import states

from flows.children import ChildResults
from flows.config import FlowsSettings
from flows.filings import EFACTURA_NAMESPACE, FilingReader
from flows.invoice import STEP, InvoiceFlow
from flows.models import InvoiceFlowRequest
from flows.store import NAMESPACE, FlowStore
from shared.errors import PayloadError
from shared.outbox import Outbox, open_outbox
from tests.anaf_efactura.samples import invoice


@pytest.fixture
def flow(database_url: str, celery_client) -> Iterator[tuple[InvoiceFlow, Outbox]]:  # type: ignore[no-untyped-def]
    box = open_outbox(database_url, NAMESPACE, environment="test")
    efactura = Outbox(box.engine, EFACTURA_NAMESPACE)
    settings = FlowsSettings(DATABASE_URL=database_url, WORKERS_CORE_ENV="test")
    yield InvoiceFlow(settings, FlowStore(box), ChildResults(celery_client), FilingReader(efactura)), efactura
    box.engine.dispose()


def _request(number: str) -> InvoiceFlowRequest:
    return InvoiceFlowRequest.model_validate({"invoice": invoice(number), "buyer_email": "client@exemplu.ro"})


def _sends(turn) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(f.task, f.task_id) for f in turn.follow_ups]


def test_redelivered_look_resends_the_same_messages_and_duplicates_do_nothing(flow, celery_client) -> None:  # type: ignore[no-untyped-def]
    flows, efactura = flow
    request = _request(f"UT-{uuid.uuid4().hex[:6]}-1")
    first = flows.start(request, task_id="t-start", correlation_id="c1", redelivered=False)
    assert first.result.created and first.result.state == "rendering"
    (render, look) = _sends(first)
    assert render[0] == "pdf.render" and look[0] == STEP and [e.name for e in first.events] == ["flow.invoice.started"]
    # the start message redelivered after its write (a crash before the sends): the very same sends again
    again = flows.start(request, task_id="t-start", correlation_id="c1", redelivered=True)
    assert again.result.skipped and _sends(again) == [render, look] and not again.result.created
    # the same invoice sent again by the caller, and a stale look: nothing
    other = flows.start(request, task_id="t-other", correlation_id="c2", redelivered=False)
    assert other.result.skipped and other.follow_ups == [] and other.result.flow_id == first.result.flow_id
    flow_id = first.result.flow_id
    assert flows.step(flow_id, task_id="t-stale", redelivered=True).follow_ups == []
    # the render still running: the look comes back later, under a new id
    waiting = flows.step(flow_id, task_id=str(look[1]), redelivered=False)
    assert waiting.result.state == "rendering" and [t for t, _ in _sends(waiting)] == [STEP]
    next_look = str(_sends(waiting)[0][1])
    celery_client.backend.store_result(render[1], {"key": "render/x.pdf", "size": 1}, states.SUCCESS)
    filing = flows.step(flow_id, task_id=next_look, redelivered=False)
    (submit, look2) = _sends(filing)
    assert filing.result.state == "filing" and submit[0] == "efactura.submit" and filing.result.pdf_artifact
    assert flows.step(flow_id, task_id=next_look, redelivered=False).follow_ups == []  # a copy, not redelivered
    # e-Factura filed it and ANAF accepted: the next look mails the buyer, with the ZIP of the row
    row, _ = efactura.open(
        f"k-{uuid.uuid4().hex}", state="accepted", data={"upload_index": 77, "zip_artifact": "z.zip"}
    )
    celery_client.backend.store_result(submit[1], {"outbox_id": row.id, "status": "uploaded"}, states.SUCCESS)
    mailing = flows.step(flow_id, task_id=str(look2[1]), redelivered=False)
    (mail, look3) = _sends(mailing)
    assert mailing.result.state == "mailing" and mailing.result.upload_index == 77 and mail[0] == "email.send"
    kwargs = mailing.follow_ups[0].kwargs
    assert [a["artifact_key"] for a in kwargs["attachments"]] == ["render/x.pdf", "z.zip"]
    assert kwargs["idempotency_key"] == f"flow-invoice-email:{mailing.result.flow_key}"
    celery_client.backend.store_result(mail[1], {"message_id": "<m@x>"}, states.SUCCESS)
    done = flows.step(flow_id, task_id=str(look3[1]), redelivered=False)
    assert (
        done.result.state == "done"
        and done.follow_ups == []
        and [e.name for e in done.events] == ["flow.invoice.completed"]
    )
    # the last look redelivered: its event again, nothing to send; the status says done
    repeat = flows.step(flow_id, task_id=str(look3[1]), redelivered=True)
    assert repeat.follow_ups == [] and [e.name for e in repeat.events] == ["flow.invoice.completed"]
    assert flows.status(done.result.flow_key).email_message_id == "<m@x>"


def test_a_failed_child_stops_the_flow_through_an_alert(flow, celery_client) -> None:  # type: ignore[no-untyped-def]
    flows, _ = flow
    first = flows.start(_request(f"UT-{uuid.uuid4().hex[:6]}-2"), task_id="s", correlation_id=None, redelivered=False)
    (render, look) = _sends(first)
    error = PayloadError("template could not be rendered", errors=[{"loc": ["data"], "msg": "boom", "type": "x"}])
    celery_client.backend.store_result(render[1], error, states.FAILURE)
    alerting = flows.step(first.result.flow_id, task_id=str(look[1]), redelivered=False)
    (alert, look2) = _sends(alerting)
    assert alerting.result.state == "alerting" and alert[0] == "notify.slack" and alerting.result.errors == ["boom"]
    celery_client.backend.store_result(alert[1], {"status": "sent"}, states.SUCCESS)
    stopped = flows.step(first.result.flow_id, task_id=str(look2[1]), redelivered=False)
    assert stopped.result.state == "stopped" and [e.name for e in stopped.events] == ["flow.invoice.stopped"]
