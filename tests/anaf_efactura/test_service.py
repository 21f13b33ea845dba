"""``EfacturaService`` end to end against the fake ANAF over HTTP, with real PostgreSQL, Redis and files."""

from __future__ import annotations

import time
import uuid

import pytest

from anaf_core import AnafDailyLimitError, AnafTransportError, open_signed_zip
from anaf_efactura.invoice import Invoice
from anaf_efactura.models import SubmitRequest
from anaf_efactura.service import EfacturaService, Filing
from anaf_efactura.ubl import build_ubl
from shared.errors import PayloadError, PermanentError, TransientError
from tests.anaf_efactura.samples import credit_note, invoice
from tests.fakes.anaf import FakeAnafServer


def unique(prefix: str = "FCT") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}-1"


def settle(service: EfacturaService, outcome: Filing, timeout: float = 10.0) -> Filing:
    """Follow the poll schedule the way the tasks do (without the countdown)."""
    deadline = time.monotonic() + timeout
    while outcome.result.next_poll_in is not None:
        assert time.monotonic() < deadline, outcome.result
        time.sleep(outcome.result.next_poll_in)
        outcome = service.poll(outcome.result.outbox_id)
    return outcome


def test_submit_poll_download(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    service = efactura_factory()
    outcome = service.submit(SubmitRequest(invoice=Invoice.model_validate(invoice(unique()))))
    first = outcome.result
    assert first.status == "uploaded" and first.upload_index and first.next_poll_in == 0.2
    assert [e.name for e in outcome.events] == ["efactura.submitted"]
    assert outcome.events[0].data["upload_index"] == first.upload_index
    assert service.artifacts.get(first.xml_artifact) == fake_anaf.state.filings[first.upload_index].xml
    final = settle(service, outcome)
    result = final.result
    assert result.status == "accepted" and result.anaf_state == "ok" and result.download_id
    assert [e.name for e in final.events] == ["efactura.accepted"]
    archive = service.artifacts.get(result.zip_artifact)
    assert archive == fake_anaf.state.downloads[result.download_id].document  # byte for byte
    signed = open_signed_zip(archive)
    assert signed.document == fake_anaf.state.filings[result.upload_index].xml
    assert result.signature == {**result.signature, "digest_ok": True, "signature_ok": True, "trusted": True}
    filing = fake_anaf.state.filings[result.upload_index]
    assert filing.standard == "UBL" and filing.cif == "4221306" and not filing.b2c


def test_resubmission_is_idempotent_and_conflicts_are_refused(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    service = efactura_factory()
    payload = invoice(unique())
    settle(service, service.submit(SubmitRequest(invoice=Invoice.model_validate(payload))))
    again = service.submit(SubmitRequest(invoice=Invoice.model_validate(payload)))
    assert again.result.status == "accepted" and again.events == []
    assert len(fake_anaf.state.upload_attempts) == 1
    changed = {**payload, "notes": ["alt continut"]}
    with pytest.raises(PermanentError) as info:
        service.submit(SubmitRequest(invoice=Invoice.model_validate(changed)))
    assert info.value.code == "efactura_conflict"
    assert len(fake_anaf.state.upload_attempts) == 1


def test_invalid_xml_never_reaches_anaf(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    service = efactura_factory()
    xml = build_ubl(Invoice.model_validate(invoice(unique()))).replace(b"CIUS-RO:1.0.1", b"CIUS-RO:0.0.1")
    with pytest.raises(PayloadError) as info:
        service.submit(SubmitRequest(xml=xml.decode()))
    assert "BR-RO-001" in {e["type"] for e in info.value.errors}
    assert fake_anaf.state.upload_attempts == []


def test_credit_note_b2c_and_flags(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    service = efactura_factory()
    outcome = service.submit(
        SubmitRequest(invoice=Invoice.model_validate(credit_note(unique("CN"))), b2c=True, extern=True, executare=True)
    )
    filing = fake_anaf.state.filings[outcome.result.upload_index]
    assert filing.standard == "CN" and filing.b2c and filing.flags == {"extern": True, "executare": True}
    assert settle(service, outcome).result.status == "accepted"


def test_interrupted_upload_is_reconciled_from_the_message_list(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    """The answer never arrives (read timeout) although ANAF filed it: the next delivery finds it, no re-upload."""
    impatient = efactura_factory(anaf={"read_timeout_s": 0.5})
    fake_anaf.state.config.upload_response_delay_s = 2.0
    request = SubmitRequest(invoice=Invoice.model_validate(invoice(unique())))
    with pytest.raises(AnafTransportError) as info:
        impatient.submit(request)
    assert info.value.request_sent
    fake_anaf.state.config.upload_response_delay_s = 0.0
    time.sleep(0.5)  # the fake finishes processing (0.3 s)
    outcome = efactura_factory().submit(request)
    assert outcome.result.status == "accepted" and outcome.result.zip_artifact
    assert [e.name for e in outcome.events] == ["efactura.submitted", "efactura.accepted"]
    assert len(fake_anaf.state.filings) == 1 and len(fake_anaf.state.upload_attempts) == 1


def test_unknown_outcome_waits_then_adopts_the_duplicate(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    impatient = efactura_factory(anaf={"read_timeout_s": 0.5})
    fake_anaf.state.config.upload_response_delay_s = 2.0
    fake_anaf.state.config.list_lag_s = 3600  # indexed late: the list does not show it yet
    request = SubmitRequest(invoice=Invoice.model_validate(invoice(unique())))
    with pytest.raises(AnafTransportError):
        impatient.submit(request)
    fake_anaf.state.config.upload_response_delay_s = 0.0
    with pytest.raises(TransientError) as info:
        efactura_factory().submit(request)
    assert info.value.code == "efactura_outcome_unknown" and info.value.retry_after == 1.0
    assert len(fake_anaf.state.upload_attempts) == 1
    time.sleep(0.4)
    outcome = efactura_factory(reconcile_after_s=0).submit(request)  # waited long enough: send again
    assert outcome.result.status == "uploaded"
    final = settle(efactura_factory(), outcome)
    first, second = sorted(fake_anaf.state.filings)
    assert fake_anaf.state.filings[second].errors == [f"Factura a mai fost transmisa anterior cu index={first}"]
    result = final.result
    assert result.status == "accepted" and result.upload_index == first and result.duplicate_index == second


def test_upload_refused_then_allowed(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    service = efactura_factory()
    fake_anaf.state.config.spv_cifs = {"1"}
    request = SubmitRequest(invoice=Invoice.model_validate(invoice(unique())))
    refused = service.submit(request)
    assert refused.result.status == "upload_rejected"
    assert refused.result.errors == ["Nu aveti drept in SPV pentru CIF=4221306"]
    event = refused.events[0]
    name, data, error = event.name, event.data, event.error
    assert name == "efactura.rejected" and data["stage"] == "upload" and error["code"] == "anaf_auth"
    fake_anaf.state.config.spv_cifs = None
    assert settle(service, service.submit(request)).result.status == "accepted"


def test_daily_status_cap(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    fake_anaf.state.config.processing_delay_s = 60
    service = efactura_factory(anaf={"stare_daily_cap": 2})
    outcome = service.submit(SubmitRequest(invoice=Invoice.model_validate(invoice(unique()))))
    for _ in range(2):
        assert service.poll(outcome.result.outbox_id).result.anaf_state == "in prelucrare"
    with pytest.raises(AnafDailyLimitError) as info:
        service.poll(outcome.result.outbox_id)
    assert info.value.retry_after and info.value.retry_after > 0
    assert sum(fake_anaf.state.filings[outcome.result.upload_index].stare_calls.values()) == 2


def test_untrusted_signature_refused_when_required(efactura_factory, fake_anaf: FakeAnafServer, tmp_path) -> None:
    from tests.fakes.anaf import SigningIdentity

    other = tmp_path / "other.pem"
    other.write_bytes(SigningIdentity.generate("NOT ANAF").certificate_pem)
    service = efactura_factory(anaf={"signing_certs": str(other)}, require_trusted_signature=True)
    outcome = service.submit(SubmitRequest(invoice=Invoice.model_validate(invoice(unique()))))
    time.sleep(0.4)
    with pytest.raises(PermanentError) as info:
        service.poll(outcome.result.outbox_id)
    assert info.value.code == "efactura_untrusted_signature"


def test_parallel_deliveries_of_one_invoice_upload_once(efactura_factory, fake_anaf: FakeAnafServer) -> None:
    """Two replicas (own DB sessions) and two threads of one process race on the same invoice."""
    import threading

    fake_anaf.state.config.upload_response_delay_s = 1.0
    one, other = efactura_factory(), efactura_factory()
    request = SubmitRequest(invoice=Invoice.model_validate(invoice(unique())))
    outcomes: list[object] = []

    def run(service: EfacturaService) -> None:
        try:
            outcomes.append(service.submit(request).result.status)
        except TransientError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=run, args=(s,)) for s in (one, other, one)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["efactura_in_progress", "efactura_in_progress", "uploaded"]
    assert len(fake_anaf.state.upload_attempts) == 1
