"""Suspensions (SuspendareContract & co.), secondment proposals (PropunereDetasareContract) and transfer proposals
(PropunereMutareContract, TipMutare=Transfer): XSD order and content, refused inputs, and the worker path."""

from __future__ import annotations

import json
import uuid

import pytest
from lxml import etree
from pydantic import ValidationError

from reges.message import NS, build_xml, json_to_xml, xml_to_json
from reges.models import RegesSubmitRequest
from tests.fakes.anaf.reges import book
from tests.reges import samples

MID = "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae"
R = {"r": NS}


def _req(message: dict, **kw):
    return RegesSubmitRequest.model_validate({"employer_cui": "18547290", "message": message, "message_id": MID, **kw})


def _xml(message: dict) -> etree._Element:
    req = _req(message)
    return build_xml(req.message, MID, employer_cui=req.employer_cui)


def _children(el: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in el if isinstance(c.tag, str)]


def test_suspension_is_an_actiune_suspendare_before_the_contract_reference(reges_schema):
    root = _xml(samples.ALL["SuspendareContract"])
    assert reges_schema.validate(etree.ElementTree(root)), reges_schema.error_log
    assert _children(root) == ["Header", "Actiune", "ReferintaContract"]
    act = root.find("r:Actiune", R)
    assert act.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "ActiuneSuspendare"
    assert _children(act) == ["DataInceput", "DataSfarsit", "Explicatie", "TemeiLegal"]
    assert act.findtext("r:TemeiLegal", namespaces=R) == "Art54"
    assert act.findtext("r:DataInceput", namespaces=R) == "2026-09-20T00:00:00"
    # the end of a suspension goes in the base type's DataIncetareSuspendare, which precedes the extension's elements
    end = _xml(samples.ALL["IncetareSuspendareContract"]).find("r:Actiune", R)
    assert _children(end) == ["DataIncetareSuspendare", "DataInceput", "TemeiLegal"]
    data = xml_to_json(root)
    assert data["actiune"]["$type"] == "actiuneSuspendare" and data["referintaContract"] == {"id": samples.CONTRACT_REF}


def test_secondment_proposal_follows_the_xsd_sequence(reges_schema):
    root = _xml(samples.ALL["PropunereDetasareContract"])
    assert reges_schema.validate(etree.ElementTree(root)), reges_schema.error_log
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "PropunereDetasareContract"
    assert _children(root) == [
        "Header",
        "ReferintaContract",
        "TemeiDetasare",
        "CUIAngajatorDestinatie",
        "NumeAngajatorDestinatie",
        "NationalitateAngajatorDestinatie",
        "CUIAngajatorSursa",
        "ContinutContract",
        "DataPropunere",
        "NumarPropunere",
        "NoteSursa",
        "DataInceput",
        "DataSfarsit",
    ]
    assert root.findtext("r:CUIAngajatorDestinatie", namespaces=R) == "14399840"  # RO prefix dropped
    assert root.findtext("r:CUIAngajatorSursa", namespaces=R) == "18547290"  # the submitting register
    assert root.findtext("r:NationalitateAngajatorDestinatie/r:Nume", namespaces=R) == "ROMÂNIA"
    # ContinutContract carries the secondment start in DataInceputContract and DataConsemnare (reges.xsd)
    c = root.find("r:ContinutContract", R)
    assert (
        c.findtext("r:DataInceputContract", namespaces=R)
        == c.findtext("r:DataConsemnare", namespaces=R)
        == "2026-10-01T00:00:00"
    )
    assert c.findtext("r:DataContract", namespaces=R) == "2026-03-01T00:00:00"
    data = json.loads(json.dumps(xml_to_json(root)))
    assert data["$type"] == "propuneredetasarecontract"  # as in the Postman collection
    assert data["temeiDetasare"] == "CodulMuncii" and data["cuiAngajatorDestinatie"] == "14399840"
    assert data["continutContract"]["cor"] == {"cod": 251204, "versiune": 10}
    assert reges_schema.validate(etree.ElementTree(json_to_xml(data))), reges_schema.error_log


def test_transfer_proposal_follows_the_xsd_sequence(reges_schema):
    root = _xml(samples.ALL["PropunereMutareContractIntreprindere"])
    assert reges_schema.validate(etree.ElementTree(root)), reges_schema.error_log
    assert _children(root) == [
        "Header",
        "ReferintaContract",
        "TipMutare",
        "TipTransfer",
        "CUIAngajatorDestinatie",
        "NumeAngajatorDestinatie",
        "IdAngajatorDestinatie",
        "NationalitateAngajatorDestinatie",
        "CUIAngajatorSursa",
        "NumeAngajatorSursa",
        "ContinutContract",
        "DataPropunere",
        "NumarPropunere",
        "DataInceput",
    ]
    assert root.findtext("r:TipMutare", namespaces=R) == "Transfer"
    assert root.findtext("r:TipTransfer", namespaces=R) == "TransferDeIntreprindere"
    assert root.findtext("r:Header/r:Operation", namespaces=R) == "PropunereMutareContract"


def test_foreign_host_employer_keeps_its_own_identifier(reges_schema):
    root = _xml(samples.ALL["PropunereDetasareContractTransnationala"])
    assert reges_schema.validate(etree.ElementTree(root)), reges_schema.error_log
    assert root.findtext("r:CUIAngajatorDestinatie", namespaces=R) == "DE129273398"
    assert root.findtext("r:NationalitateAngajatorDestinatie/r:Nume", namespaces=R) == "GERMANIA"


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


BAD = [
    pytest.param(
        {**samples.ALL["SuspendareContract"], "suspension": {**samples.SUSPENSION, "end_date": "2026-09-19"}},
        ["message", "Contract", "suspension"],
        "end_date cannot precede start_date",
        id="suspension-end-before-start",
    ),
    pytest.param(
        _without(samples.ALL["SuspendareContract"], "contract_ref"),
        ["message", "Contract"],
        "contract_ref is required",
        id="suspension-without-contract-ref",
    ),
    pytest.param(
        {**samples.ALL["SuspendareContract"], "suspension": None},
        ["message", "Contract"],
        "suspension is required",
        id="suspension-missing",
    ),
    pytest.param(
        {**samples.ALL["SuspendareContract"], "suspension": {**samples.SUSPENSION, "legal_basis": "Art55LitB"}},
        ["message", "Contract", "suspension", "legal_basis"],
        "Art54",
        id="suspension-ground-not-in-nomenclature",
    ),
    pytest.param(
        {**samples.ALL["IncetareSuspendareContract"], "suspension": samples.SUSPENSION},
        ["message", "Contract"],
        "ended_on is required",
        id="suspension-end-without-ended-on",
    ),
    pytest.param(
        {**samples.ALL["IncetareContract"], "suspension": samples.SUSPENSION},
        ["message", "Contract"],
        "suspension is required for the *SuspendareContract operations, and only then",
        id="suspension-on-termination",
    ),
    pytest.param(
        {**samples.SECONDMENT, "end_date": "2026-09-30"},
        ["message", "PropunereDetasareContract"],
        "end_date cannot precede start_date",
        id="secondment-end-before-start",
    ),
    pytest.param(
        _without(samples.SECONDMENT, "contract_ref"),
        ["message", "PropunereDetasareContract", "contract_ref"],
        "Field required",
        id="secondment-without-contract-ref",
    ),
    pytest.param(
        {**samples.SECONDMENT, "host_employer_cui": "14399841"},
        ["message", "PropunereDetasareContract", "host_employer_cui"],
        "check digit",
        id="secondment-invalid-cui",
    ),
    pytest.param(
        {**samples.SECONDMENT, "host_employer_cui": "RO-ABC"},
        ["message", "PropunereDetasareContract", "host_employer_cui"],
        "2 to 10 digits",
        id="secondment-malformed-cui",
    ),
    pytest.param(
        {**samples.SECONDMENT, "host_country": "GERMANIA"},
        ["message", "PropunereDetasareContract"],
        "CodulMuncii",
        id="secondment-codul-muncii-abroad",
    ),
    pytest.param(
        {**samples.SECONDMENT, "start_date": "2026-02-01", "end_date": "2026-04-01", "proposal_date": None},
        ["message", "PropunereDetasareContract"],
        "cannot precede the contract",
        id="secondment-before-contract",
    ),
    pytest.param(
        {**samples.TRANSFER, "target_employer_cui": "14399842"},
        ["message", "PropunereMutareContract", "target_employer_cui"],
        "check digit",
        id="transfer-invalid-cui",
    ),
    pytest.param(
        _without(samples.TRANSFER, "contract_ref"),
        ["message", "PropunereMutareContract", "contract_ref"],
        "Field required",
        id="transfer-without-contract-ref",
    ),
    pytest.param(
        {**samples.TRANSFER, "contract_ref": "not-a-guid"},
        ["message", "PropunereMutareContract", "contract_ref"],
        "pattern",
        id="transfer-bad-contract-ref",
    ),
    pytest.param(
        {**samples.TRANSFER, "target_employer_cui": "RO18547290"},
        [],
        "cannot be the submitting employer",
        id="transfer-to-itself",
    ),
    pytest.param(
        {**samples.TRANSFER, "proposal_date": "2026-11-02"},
        ["message", "PropunereMutareContract"],
        "proposal_date cannot be after start_date",
        id="transfer-proposed-after-start",
    ),
    pytest.param(
        {**samples.TRANSFER, "move_type": "SchimbareLocMunca"},
        ["message", "PropunereMutareContract", "move_type"],
        "Transfer",
        id="transfer-other-move-type",
    ),
]


@pytest.mark.parametrize(("message", "loc", "marker"), BAD)
def test_bad_inputs_give_structured_errors(message, loc, marker):
    with pytest.raises(ValidationError) as info:
        RegesSubmitRequest.model_validate({"employer_cui": "18547290", "message": message})
    errors = info.value.errors(include_url=False, include_input=False)
    assert any(list(map(str, e["loc"]))[: len(loc)] == loc and marker in e["msg"] for e in errors), errors


def test_flows_through_the_worker_and_the_fake_reges(start_worker, celery_client, reges_env, fake_reges, reges_events):
    """One suspension, one secondment (XML) and one transfer (JSON) on a contract REGES knows; results drained."""
    with fake_reges.state.lock:
        book(fake_reges.state).contracts.add(samples.CONTRACT_REF)
    start_worker("reges", env=reges_env)
    sent = {}
    for name, fmt in (
        ("SuspendareContract", "xml"),
        ("PropunereDetasareContract", "xml"),
        ("PropunereMutareContract", "json"),
    ):
        mid = str(uuid.uuid4())
        r = celery_client.send_task(
            "reges.submit",
            kwargs={"employer_cui": "18547290", "message_id": mid, "format": fmt, "message": samples.ALL[name]},
        ).get(timeout=60)
        assert (
            r["state"] == "submitted"
            and r["message_id"] == mid
            and r["operation"] == samples.ALL[name].get("operation", name)
        )
        sent[name] = r
    subs = book(fake_reges.state).submissions
    assert [(s["kind"], s["operation"], s["format"]) for s in subs] == [
        ("Contract", "SuspendareContract", "xml"),
        ("PropunereDetasareContract", "PropunereDetasareContract", "xml"),
        ("PropunereMutareContract", "PropunereMutareContract", "json"),
    ]

    # a retry with the same MessageId returns the stored receipt and sends nothing
    again = celery_client.send_task(
        "reges.submit",
        kwargs={
            "employer_cui": "18547290",
            "format": "json",
            "message_id": sent["PropunereMutareContract"]["message_id"],
            "message": samples.ALL["PropunereMutareContract"],
        },
    ).get(timeout=60)
    assert again["duplicate"] is True and again["response_id"] == sent["PropunereMutareContract"]["response_id"]
    assert len(book(fake_reges.state).submissions) == 3

    # a suspension of a contract REGES does not know: accepted on receipt, refused in the result
    unknown = {**samples.ALL["SuspendareContract"], "contract_ref": str(uuid.uuid4())}
    failed = celery_client.send_task("reges.submit", kwargs={"employer_cui": "18547290", "message": unknown}).get(
        timeout=60
    )

    drained = celery_client.send_task("reges.drain", kwargs={"batch": 10}).get(timeout=60)
    assert drained["results"] == 4
    reges_events.drain(1.0)
    results = {p["data"]["response_id"]: p["data"] for k, p in reges_events.received if k == "reges.result"}
    assert results[sent["SuspendareContract"]["response_id"]]["result"]["ref"] == samples.CONTRACT_REF
    proposals = book(fake_reges.state).proposals
    for name in ("PropunereDetasareContract", "PropunereMutareContract"):
        res = results[sent[name]["response_id"]]
        assert res["state"] == "succeeded"
        p = proposals[res["result"]["ref"]]
        assert (p["operation"], p["contract"], p["state"], p["source"], p["target"]) == (
            name,
            samples.CONTRACT_REF,
            "Propus",
            "18547290",
            "14399840",
        )
    assert results[sent["SuspendareContract"]["response_id"]]["state"] == "succeeded"
    assert results[failed["response_id"]]["state"] == "failed"

    # the stored receipt now carries the result (what a later reges.submit with that MessageId returns)
    stored = celery_client.send_task(
        "reges.submit",
        kwargs={
            "employer_cui": "18547290",
            "message_id": sent["PropunereDetasareContract"]["message_id"],
            "message": samples.ALL["PropunereDetasareContract"],
        },
    ).get(timeout=60)
    assert stored["state"] == "succeeded" and stored["result"]["code"] == "SUCCES"


def test_refused_inputs_reach_the_worker_as_invalid_payload_and_nothing_is_sent(
    start_worker, celery_client, reges_env, fake_reges
):
    start_worker("reges", env=reges_env)
    cases = [
        (
            {**samples.ALL["SuspendareContract"], "suspension": {**samples.SUSPENSION, "end_date": "2026-01-01"}},
            "suspension",
        ),
        (_without(samples.SECONDMENT, "contract_ref"), "contract_ref"),
        ({**samples.TRANSFER, "target_employer_cui": "14399842"}, "target_employer_cui"),
    ]
    for message, field in cases:
        r = celery_client.send_task("reges.submit", kwargs={"employer_cui": "18547290", "message": message})
        r.get(timeout=30, propagate=False)
        assert r.state == "FAILURE"
        body = r.result.args[0]
        assert body["code"] == "invalid_payload"
        assert any(field in e["loc"] or field in e["msg"] for e in body["errors"]), body["errors"]
    assert book(fake_reges.state).submissions == []
