"""The proposal lifecycle: accept/refuse (receiving employer), withdraw (proposing employer), the incoming-proposal
queues (/api/{Detasare|Mutare}/Propuneri), and secondment extension (PrelungireDetasareContract): XSD order and
validity, refused inputs, and flows through real reges workers against the fake REGES."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import httpx
import pytest
from lxml import etree
from pydantic import ValidationError

from reges.client import KeycloakTokens, RegesClient, RegesTokenAuth
from reges.errors import RegesAuthError, RegesProtocolError
from reges.message import NS, XSI, build_xml, json_to_xml, xml_to_json
from reges.models import RegesProposalsRequest, RegesSubmitRequest
from reges.service import incoming_proposal
from tests.fakes.anaf.reges import book
from tests.reges import samples

MID = "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae"
R = {"r": NS}
SENDER, HOST = "18547290", "14399840"


def _req(message: dict, employer_cui: str = SENDER) -> RegesSubmitRequest:
    return RegesSubmitRequest.model_validate({"employer_cui": employer_cui, "message": message, "message_id": MID})


def _xml(message: dict, employer_cui: str = SENDER) -> etree._Element:
    req = _req(message, employer_cui)
    return build_xml(req.message, MID, employer_cui=req.employer_cui)


def _children(el: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in el if isinstance(c.tag, str)]


def _valid_both_forms(root: etree._Element, schema: etree.XMLSchema) -> dict:
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    data = json.loads(json.dumps(xml_to_json(root)))
    assert schema.validate(etree.ElementTree(json_to_xml(data))), schema.error_log
    return data


@pytest.mark.parametrize("name", sorted(samples.LIFECYCLE))
def test_every_lifecycle_message_is_valid_against_the_xsd_in_xml_and_json(name, reges_schema):
    message = samples.LIFECYCLE[name]
    root = _xml(message, HOST if name.startswith(("Acceptare", "Respingere")) else SENDER)
    data = _valid_both_forms(root, reges_schema)
    assert root.get(f"{{{XSI}}}type") == message["type"]
    assert root.findtext("r:Header/r:Operation", namespaces=R) == name
    assert data["$type"] == message["type"].lower() and data["header"]["operation"] == name


def test_accept_follows_the_xsd_sequence_not_the_postman_order(reges_schema):
    root = _xml(samples.LIFECYCLE["AcceptarePropunereDetasareContract"], HOST)
    # Postman writes NoteDestinatie before ContinutContract; the XSD sequence (what REGES validates) puts it after
    assert _children(root) == ["Header", "Referinta", "ReferintaContract", "ContinutContract", "NoteDestinatie"]
    assert root.findtext("r:Referinta/r:Id", namespaces=R) == samples.PROPOSAL_REF
    assert root.findtext("r:ReferintaContract/r:Id", namespaces=R) == samples.CONTRACT_REF
    c = root.find("r:ContinutContract", R)
    assert c.findtext("r:ReferintaSalariat/r:Id", namespaces=R) == samples.HOST_CONTENT["employee_ref"]
    mutare = _xml(samples.LIFECYCLE["AcceptarePropunereMutareContract"], HOST)
    assert _children(mutare) == ["Header", "Referinta", "ReferintaContract", "ContinutContract"]
    assert mutare.get(f"{{{XSI}}}type") == "PropunereMutareContract"


def test_refuse_and_withdraw_carry_only_the_proposal_reference(reges_schema):
    refuse = _xml(samples.LIFECYCLE["RespingerePropunereDetasareContract"], HOST)
    assert _children(refuse) == ["Header", "Referinta", "NoteDestinatie"]
    for name in (
        "RadierePropunereDetasareContract",
        "RadierePropunereMutareContract",
        "RespingerePropunereMutareContract",
    ):
        assert _children(_xml(samples.LIFECYCLE[name])) == ["Header", "Referinta"], name
    data = xml_to_json(refuse)
    assert data["referinta"] == {"id": samples.PROPOSAL_REF} and data["noteDestinatie"] == "Multumim, nu primim"


def test_extension_is_a_contract_message_with_an_actiune_detasare(reges_schema):
    root = _xml(samples.EXTENSION)
    data = _valid_both_forms(root, reges_schema)
    assert root.get(f"{{{XSI}}}type") == "Contract"
    assert _children(root) == ["Header", "Actiune", "ReferintaContract"]
    act = root.find("r:Actiune", R)
    assert act.get(f"{{{XSI}}}type") == "ActiuneDetasare"
    assert _children(act) == [
        "TemeiDetasare",
        "AngajatorCui",
        "AngajatorNume",
        "Cor",
        "DataInceput",
        "DataSfarsit",
        "Nationalitate",
    ]
    assert act.findtext("r:AngajatorCui", namespaces=R) == HOST  # RO prefix dropped
    assert act.findtext("r:DataSfarsit", namespaces=R) == "2027-03-31T00:00:00"
    assert data["actiune"]["$type"] == "actiuneDetasare" and data["actiune"]["angajatorCui"] == HOST
    assert "current_end_date" not in etree.tostring(root, encoding="unicode")


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


L = samples.LIFECYCLE
ACC, REJ, WD = (
    L["AcceptarePropunereDetasareContract"],
    L["RespingerePropunereDetasareContract"],
    L["RadierePropunereMutareContract"],
)
BAD = [
    pytest.param(
        _without(ACC, "proposal_ref"),
        ["message", "AcceptarePropunereDetasareContract", "proposal_ref"],
        "Field required",
        id="accept-without-proposal-ref",
    ),
    pytest.param(
        _without(ACC, "contract_ref"),
        ["message", "AcceptarePropunereDetasareContract"],
        "contract_ref and content are required",
        id="accept-without-contract-ref",
    ),
    pytest.param(
        _without(ACC, "content"),
        ["message", "AcceptarePropunereDetasareContract"],
        "contract_ref and content are required",
        id="accept-without-content",
    ),
    pytest.param(
        {**ACC, "content": {**samples.HOST_CONTENT, "start_date": "2026-09-01"}},
        ["message", "AcceptarePropunereDetasareContract", "content"],
        "start_date cannot precede contract_date",
        id="accept-content-dates-unordered",
    ),
    pytest.param(
        {**REJ, "content": samples.HOST_CONTENT},
        ["message", "RespingerePropunereDetasareContract"],
        "only sent when accepting",
        id="refuse-with-content",
    ),
    pytest.param(
        {**ACC, "type": "PropunereMutareContract"},
        ["message", "AcceptarePropunereDetasareContract"],
        "is sent as type PropunereDetasareContract",
        id="accept-type-mismatch",
    ),
    pytest.param(
        {**REJ, "proposal_ref": "not-a-guid"},
        ["message", "RespingerePropunereDetasareContract", "proposal_ref"],
        "pattern",
        id="refuse-bad-ref",
    ),
    pytest.param(
        _without(WD, "proposal_ref"),
        ["message", "RadierePropunereMutareContract", "proposal_ref"],
        "Field required",
        id="withdraw-without-proposal-ref",
    ),
    pytest.param(
        {**WD, "type": "PropunereDetasareContract"},
        ["message", "RadierePropunereMutareContract"],
        "is sent as type PropunereMutareContract",
        id="withdraw-type-mismatch",
    ),
    pytest.param(
        {**samples.EXTENSION, "end_date": "2026-12-31"},
        ["message", "PrelungireDetasareContract"],
        "must be after the current end",
        id="extension-not-after-current-end",
    ),
    pytest.param(
        {**samples.EXTENSION, "end_date": "2026-11-30"},
        ["message", "PrelungireDetasareContract"],
        "must be after the current end",
        id="extension-shortens",
    ),
    pytest.param(
        {**samples.EXTENSION, "current_end_date": "2026-09-01"},
        ["message", "PrelungireDetasareContract"],
        "current_end_date cannot precede start_date",
        id="extension-current-end-before-start",
    ),
    pytest.param(
        _without(samples.EXTENSION, "contract_ref"),
        ["message", "PrelungireDetasareContract", "contract_ref"],
        "Field required",
        id="extension-without-contract-ref",
    ),
    pytest.param(
        _without(samples.EXTENSION, "current_end_date"),
        ["message", "PrelungireDetasareContract", "current_end_date"],
        "Field required",
        id="extension-without-current-end",
    ),
    pytest.param(
        {**samples.EXTENSION, "host_employer_cui": "14399841"},
        ["message", "PrelungireDetasareContract", "host_employer_cui"],
        "check digit",
        id="extension-invalid-cui",
    ),
    pytest.param(
        {**samples.EXTENSION, "host_employer_cui": SENDER},
        [],
        "cannot be the submitting employer",
        id="extension-to-self",
    ),
    # IncetarePropunereDetasareContract (in the Postman collection) is not built here: refused on the operation
    pytest.param(
        {**REJ, "operation": "IncetarePropunereDetasareContract"},
        ["message", "PropunereDetasareContract", "operation"],
        "PropunereDetasareContract",
        id="unsupported-operation",
    ),
    pytest.param(
        {**REJ, "type": "Angajator", "operation": "Angajator"}, ["message"], "not supported", id="unknown-type"
    ),
]


@pytest.mark.parametrize(("message", "loc", "marker"), BAD)
def test_bad_lifecycle_messages_are_refused_with_a_located_error(message, loc, marker):
    with pytest.raises(ValidationError) as info:
        RegesSubmitRequest.model_validate({"employer_cui": SENDER, "message": message})
    errors = info.value.errors(include_url=False, include_input=False)
    assert any(list(map(str, e["loc"]))[: len(loc)] == loc and marker in e["msg"] for e in errors), errors


def test_proposals_request_is_validated():
    assert RegesProposalsRequest().kinds == ["Detasare", "Mutare"]
    for bad in ({"kinds": []}, {"kinds": ["Salariat"]}, {"batch": 0}, {"extra": 1}):
        with pytest.raises(ValidationError):
            RegesProposalsRequest.model_validate(bad)


def test_a_queue_item_becomes_an_incoming_proposal():
    item = {
        "$type": "propuneredetasarecontract",
        "header": {"operation": "PropunereDetasareContract"},
        "referinta": {"id": samples.PROPOSAL_REF},
        "referintaContract": {"id": samples.CONTRACT_REF},
        "temeiDetasare": "CodulMuncii",
        "cuiAngajatorSursa": SENDER,
        "numeAngajatorSursa": "SURSA SRL",
        "cuiAngajatorDestinatie": HOST,
        "dataInceput": "2026-10-01T00:00:00",
        "dataSfarsit": "2026-12-31T00:00:00",
    }
    p = incoming_proposal("Detasare", item)
    assert (
        p.kind,
        p.proposal_ref,
        p.contract_ref,
        p.source_employer_cui,
        p.source_employer_name,
        p.start_date,
        p.end_date,
    ) == (
        "Detasare",
        samples.PROPOSAL_REF,
        samples.CONTRACT_REF,
        SENDER,
        "SURSA SRL",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert p.raw == item
    with pytest.raises(RegesProtocolError, match="DataInceput is not a date"):
        incoming_proposal("Detasare", {**item, "dataInceput": "mâine"})


def test_reading_the_queues_with_refused_credentials_is_a_reges_auth_error(fake_reges):
    client = _sender_client(fake_reges, password="wrong")
    with pytest.raises(RegesAuthError, match="invalid_grant"):
        client.read_proposals("Detasare", 10)


# --- through the fake REGES -------------------------------------------------------------------------------


def _sender_client(fake, password: str = "fake-reges-password") -> RegesClient:
    """The proposing employer's own API session (a real client against the fake), outside the worker under test."""
    tokens = KeycloakTokens(
        httpx.Client(),
        f"{fake.url}/realms/API/protocol/openid-connect/token",
        client_id="reges-api",
        client_secret="fake-reges-secret",
        username=f"api-{SENDER}",
        password=password,
    )
    return RegesClient(httpx.Client(base_url=fake.url, auth=RegesTokenAuth(tokens)), consumer_id="sender")


def _propose(fake, name: str) -> str:
    """The sender proposes (secondment or transfer to HOST); returns the proposal's REGES Ref from its result."""
    client = _sender_client(fake)
    message = samples.ALL[name]
    req = _req(message)
    body = etree.tostring(
        build_xml(req.message, str(uuid.uuid4()), employer_cui=SENDER), xml_declaration=True, encoding="UTF-8"
    )
    rid = client.submit(message["type"], body, fmt="xml")
    items = client.read_batch(50)
    client.commit_batch(len(items))
    (result,) = [i for i in items if i["responseId"] == rid]
    assert result["result"]["code"] == "SUCCES", result
    return str(result["result"]["ref"])


@pytest.fixture
def host_env(reges_env) -> dict[str, str]:
    return {
        **reges_env,
        "REGES_USERNAME": f"api-{HOST}",
        "REGES_PASSWORD": "fake-reges-password-gazda",
        "REGES_EMPLOYER_CUI": HOST,
        "REGES_CONSUMER_ID": "workers-core-host",
    }


def _submit(celery_client, employer_cui: str, message: dict, **kw) -> dict:
    return celery_client.send_task("reges.submit", kwargs={"employer_cui": employer_cui, "message": message, **kw}).get(
        timeout=60
    )


def _drained_results(celery_client, reges_events) -> dict[str, dict]:
    celery_client.send_task("reges.drain", kwargs={"batch": 10}).get(timeout=60)
    reges_events.drain(1.0)
    return {p["data"]["response_id"]: p["data"] for k, p in reges_events.received if k == "reges.result"}


def test_receiver_lists_accepts_and_refuses_proposals_and_a_second_answer_is_refused_by_reges(
    start_worker, celery_client, host_env, fake_reges, reges_events
):
    with fake_reges.state.lock:
        book(fake_reges.state).contracts.add(samples.CONTRACT_REF)
    secondment = _propose(fake_reges, "PropunereDetasareContract")
    transfer = _propose(fake_reges, "PropunereMutareContract")
    start_worker("reges", env=host_env)

    listed = celery_client.send_task("reges.proposals", kwargs={}).get(timeout=60)
    assert listed["committed"] == 0 and listed["consumer_id"] == "workers-core-host"
    by_ref = {p["proposal_ref"]: p for p in listed["proposals"]}
    assert set(by_ref) == {secondment, transfer}
    s, t = by_ref[secondment], by_ref[transfer]
    assert (s["kind"], s["operation"], s["contract_ref"], s["legal_basis"]) == (
        "Detasare",
        "PropunereDetasareContract",
        samples.CONTRACT_REF,
        "CodulMuncii",
    )
    assert (s["source_employer_cui"], s["target_employer_cui"], s["start_date"], s["end_date"]) == (
        SENDER,
        HOST,
        "2026-10-01",
        "2026-12-31",
    )
    assert (t["kind"], t["move_type"], t["source_employer_cui"], t["start_date"]) == (
        "Mutare",
        "Transfer",
        SENDER,
        "2026-11-01",
    )
    # peeking lists them again; the sender's register has nothing incoming
    assert (
        len(celery_client.send_task("reges.proposals", kwargs={"kinds": ["Detasare"]}).get(timeout=60)["proposals"])
        == 1
    )

    accept = {**samples.LIFECYCLE["AcceptarePropunereDetasareContract"], "proposal_ref": secondment}
    refuse = {**samples.LIFECYCLE["RespingerePropunereMutareContract"], "proposal_ref": transfer}
    a1 = _submit(celery_client, HOST, accept, format="json")
    r1 = _submit(celery_client, HOST, refuse)
    a2 = _submit(celery_client, HOST, accept)  # a second answer to the same proposal (new MessageId)
    subs = book(fake_reges.state).submissions
    assert [(x["kind"], x["operation"]) for x in subs[-3:]] == [
        ("PropunereDetasareContract", "AcceptarePropunereDetasareContract"),
        ("PropunereMutareContract", "RespingerePropunereMutareContract"),
        ("PropunereDetasareContract", "AcceptarePropunereDetasareContract"),
    ]

    results = _drained_results(celery_client, reges_events)
    proposals = book(fake_reges.state).proposals
    assert proposals[secondment]["state"] == "Acceptat" and proposals[transfer]["state"] == "Respins"
    ok = results[a1["response_id"]]
    assert ok["state"] == "succeeded" and ok["result"]["ref"] == proposals[secondment]["host_contract"]
    assert results[r1["response_id"]]["state"] == "succeeded"
    again = results[a2["response_id"]]
    assert again["state"] == "failed" and "starea Acceptat" in again["result"]["description"]
    stored = _submit(celery_client, HOST, accept, message_id=a2["message_id"])  # what a later look-up returns
    assert (
        stored["state"] == "failed"
        and stored["result"]["code"] == "FAIL"
        and "starea Acceptat" in stored["result"]["description"]
    )

    consumed = celery_client.send_task("reges.proposals", kwargs={"commit": True}).get(timeout=60)
    assert consumed["committed"] == 2
    assert (
        celery_client.send_task("reges.proposals", kwargs={}).get(timeout=60)["proposals"] == []
    )  # 204 on both queues


def test_sender_withdraws_a_pending_proposal_once_and_extends_a_secondment(
    start_worker, celery_client, reges_env, fake_reges, reges_events
):
    with fake_reges.state.lock:
        book(fake_reges.state).contracts.add(samples.CONTRACT_REF)
    start_worker("reges", env=reges_env)
    proposed = _submit(celery_client, SENDER, samples.ALL["PropunereMutareContract"])
    ref = _drained_results(celery_client, reges_events)[proposed["response_id"]]["result"]["ref"]
    assert book(fake_reges.state).proposals[ref]["state"] == "Propus"

    withdraw = {**samples.LIFECYCLE["RadierePropunereMutareContract"], "proposal_ref": ref}
    w1 = _submit(celery_client, SENDER, withdraw)
    w2 = _submit(celery_client, SENDER, withdraw, format="json")
    extension = _submit(celery_client, SENDER, samples.EXTENSION)
    results = _drained_results(celery_client, reges_events)
    assert results[w1["response_id"]]["state"] == "succeeded"
    assert book(fake_reges.state).proposals[ref]["state"] == "Radiat"
    assert results[w2["response_id"]]["state"] == "failed"
    assert "starea Radiat" in results[w2["response_id"]]["result"]["description"]
    assert results[extension["response_id"]]["state"] == "succeeded"
    assert [s["kind"] for s in book(fake_reges.state).submissions] == [
        "PropunereMutareContract",
        "PropunereMutareContract",
        "PropunereMutareContract",
        "Contract",
    ]
    assert book(fake_reges.state).submissions[-1]["operation"] == "PrelungireDetasareContract"


def test_only_the_receiver_may_answer_and_only_the_sender_may_withdraw(fake_reges):
    with fake_reges.state.lock:
        book(fake_reges.state).contracts.add(samples.CONTRACT_REF)
    ref = _propose(fake_reges, "PropunereDetasareContract")
    client = _sender_client(fake_reges)
    accept = _req({**samples.LIFECYCLE["AcceptarePropunereDetasareContract"], "proposal_ref": ref}, HOST)
    rid = client.submit(
        "PropunereDetasareContract", etree.tostring(build_xml(accept.message, str(uuid.uuid4()))), fmt="xml"
    )
    (res,) = [i for i in client.read_batch(50) if i["responseId"] == rid]
    assert res["result"]["code"] == "FAIL" and "nu este adresata" in res["result"]["description"]
    assert book(fake_reges.state).proposals[ref]["state"] == "Propus"


def test_refused_lifecycle_inputs_reach_the_worker_as_invalid_payload_and_nothing_is_sent(
    start_worker, celery_client, host_env, fake_reges
):
    start_worker("reges", env=host_env)
    cases = [
        (_without(ACC, "contract_ref"), "contract_ref"),
        (_without(REJ, "proposal_ref"), "proposal_ref"),
        ({**samples.EXTENSION, "host_employer_cui": "RO18547290", "end_date": "2026-12-01"}, "current end"),
    ]
    for message, marker in cases:
        r = celery_client.send_task("reges.submit", kwargs={"employer_cui": HOST, "message": message})
        r.get(timeout=30, propagate=False)
        assert r.state == "FAILURE"
        body = r.result.args[0]
        assert body["code"] == "invalid_payload"
        assert any(marker in e["loc"] or marker in e["msg"] for e in body["errors"]), body["errors"]
    bad = celery_client.send_task("reges.proposals", kwargs={"kinds": ["Salariat"]})
    bad.get(timeout=30, propagate=False)
    assert bad.state == "FAILURE" and bad.result.args[0]["code"] == "invalid_payload"
    assert book(fake_reges.state).submissions == []
