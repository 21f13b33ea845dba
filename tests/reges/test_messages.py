"""REGES messages: every operation valid against reges.xsd in XML and JSON form; bad input refused; client auth."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from lxml import etree
from pydantic import ValidationError

from reges.client import KeycloakTokens, RegesClient, RegesTokenAuth
from reges.cnp import cnp_problem
from reges.errors import RegesAuthError
from reges.message import build_xml, json_to_xml, xml_to_json
from reges.models import RegesSubmitRequest
from reges.schedule import CompanyHeadcount, companies_due
from tests.fakes.anaf.reges import book
from tests.reges import samples


def _req(name: str, **kw):
    return RegesSubmitRequest.model_validate(
        {
            "employer_cui": "18547290",
            "message": samples.ALL[name],
            "message_id": "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae",
            **kw,
        }
    )


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_every_operation_is_valid_xml_and_json(name, reges_schema):
    req = _req(name)
    root = build_xml(req.message, req.message_id, employer_cui=req.employer_cui)
    assert reges_schema.validate(etree.ElementTree(root)), reges_schema.error_log
    data = json.loads(json.dumps(xml_to_json(root)))
    assert data["$type"] == req.message.type.lower() and data["header"]["operation"] == req.message.operation
    assert data["header"]["messageId"] == req.message_id
    assert reges_schema.validate(etree.ElementTree(json_to_xml(data))), reges_schema.error_log


def test_json_form_follows_the_official_conventions():
    data = xml_to_json(build_xml(_req("AdaugareContract").message, "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae"))
    c = data["continut"]
    assert c["cor"] == {"cod": 251204, "versiune": 10} and c["salariu"] == 4500 and c["radiat"] is False
    assert c["referintaSalariat"] == {"id": samples.EMP_REF} and c["timpMunca"]["norma"] == "NormaIntreaga840"
    inc = xml_to_json(build_xml(_req("IncetareContract").message, "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae"))
    assert inc["actiune"]["$type"] == "actiuneIncetare" and inc["actiune"]["temeiLegal"] == "Art55LitB"


@pytest.mark.parametrize(
    ("message", "marker"),
    [
        (
            {**samples.ALL["InregistrareSalariat"], "info": {**samples.INFO, "cnp": "1960529460015"}},
            "CNP control digit",
        ),
        ({**samples.ALL["ModificareSalariat"], "employee_ref": None}, "employee_ref"),
        (
            {**samples.ALL["AdaugareContract"], "content": {**samples.CONTENT, "duration_type": "Determinata"}},
            "end_date",
        ),
        ({**samples.ALL["IncetareContract"], "termination": None}, "termination"),
        ({**samples.ALL["InregistrareSalariat"], "info": {**samples.INFO, "last_name": "A\x00B"}}, "last_name"),
        ({**samples.ALL["AdaugareContract"], "type": "Angajator"}, "type"),
    ],
)
def test_bad_messages_are_refused_by_the_model(message, marker):
    with pytest.raises(ValidationError) as info:
        RegesSubmitRequest.model_validate({"employer_cui": "18547290", "message": message})
    assert marker in str(info.value)


def test_cnp_control_digit():
    assert cnp_problem("1960529460012") is None and cnp_problem("1960529460013")


def test_monthly_hook_selects_companies_with_employees_not_yet_reported():
    today = dt.date(2026, 3, 15)
    companies = [
        CompanyHeadcount(cui="1", employees=3),
        CompanyHeadcount(cui="2", employees=0),
        CompanyHeadcount(cui="3", employees=1, last_reported=dt.date(2026, 3, 1)),
        CompanyHeadcount(cui="4", employees=9, last_reported=dt.date(2026, 2, 28)),
    ]
    assert companies_due(companies, today) == ["1", "4"]


def _client(fake, *, password="fake-reges-password"):
    token_http = httpx.Client()
    tokens = KeycloakTokens(
        token_http,
        f"{fake.url}/realms/API/protocol/openid-connect/token",
        client_id="reges-api",
        client_secret="fake-reges-secret",
        username="api-18547290",
        password=password,
    )
    http = httpx.Client(base_url=fake.url, auth=RegesTokenAuth(tokens))
    return RegesClient(http, consumer_id="unit"), tokens


def test_client_gets_a_token_refreshes_on_401_and_drains_the_queue(fake_reges):
    client, tokens = _client(fake_reges)
    body = etree.tostring(build_xml(_req("InregistrareSalariat").message, "117f9b03-9efb-4f5a-8ebb-7ab3b0c792ae"))
    rid = client.submit("Salariat", body, fmt="xml")
    assert len(rid) == 36 and tokens.grants == ["password"]
    with fake_reges.state.lock:
        book(fake_reges.state).revoke_all()  # every token now answers 401
    items = client.read_batch(10)
    assert len(items) == 1 and items[0]["responseId"] == rid and items[0]["result"]["code"] == "SUCCES"
    assert book(fake_reges.state).unauthorized == 1 and tokens.grants == ["password", "refresh_token"]
    assert client.read_batch(10) == items  # Read peeks
    client.commit_batch(1)
    assert client.read_batch(10) == []  # 204 once committed
    other = RegesClient(client.http, consumer_id="another")
    assert len(other.read_batch(10)) == 1  # independent cursor from the queue start


def test_wrong_credentials_are_a_permanent_auth_error(fake_reges):
    client, _ = _client(fake_reges, password="wrong")
    with pytest.raises(RegesAuthError, match="invalid_grant"):
        client.read_batch(1)
