"""Declaration model -> XML: every document kind is valid against ANAF's XSD and Schematron; bad ones are refused."""

from __future__ import annotations

import copy

import pytest
from lxml import etree
from pydantic import ValidationError

from anaf_etransport.document import NS, build_xml, document_kind
from anaf_etransport.models import Declaration, EtransportSubmitRequest
from anaf_etransport.uit import is_valid_uit, uit_check_digits, uit_problem
from tests.anaf_etransport import samples


@pytest.mark.parametrize("name", sorted(samples.ALL_KINDS))
def test_every_kind_is_valid_against_xsd_and_schematron(name, etr_validator):
    decl = Declaration.model_validate(samples.ALL_KINDS[name]())
    xml = build_xml(decl)
    findings = etr_validator.validate(xml, warnings=True)
    assert [f for f in findings if f.fatal] == []
    # the Schematron's type reports prove the rules really ran on this document
    kinds = {f.rule for f in findings if not f.fatal}
    expected = {
        "notificare": "BT-TY-001",
        "corectie": "BT-TY-002",
        "stergere": "BT-TY-004",
        "confirmare": "BT-TY-003",
        "modifVehicul": "BT-TY-200",
    }[document_kind(decl)]
    assert expected in kinds


def test_xml_shape_of_a_correction():
    xml = build_xml(Declaration.model_validate(samples.correction()))
    root = etree.fromstring(xml)
    notif = root.find(f"{{{NS}}}notificare")
    assert [etree.QName(c).localname for c in notif][:2] == ["corectie", "bunuriTransportate"]
    assert notif.find(f"{{{NS}}}corectie").get("uit") == samples.UIT
    goods = notif.find(f"{{{NS}}}bunuriTransportate")
    assert goods.get("greutateBruta") == "1350.5" and goods.get("valoareLeiFaraTva") == "12000.99"


def test_vehicle_change_time_is_romanian_local_time():
    xml = build_xml(Declaration.model_validate(samples.vehicle_change()))
    assert b'dataModificare="2026-03-02T12:15:00"' in xml  # 10:15 UTC = 12:15 EET


@pytest.mark.parametrize(
    ("uit", "ok"),
    [
        ("3V0P0L0P0T3JUW46", True),
        ("4C0U0C0J0W3DDQ92", True),
        ("3H1M0A0E0J3FKN75", True),
        ("3V0P0L0P0T3JUW47", False),
        ("3V0P0L0P0T3JUW4", False),
        ("3B0P0L0P0T3JUW46", False),
        ("", False),
    ],
)
def test_uit_format_and_check_digits(uit, ok):
    assert is_valid_uit(uit) is ok


def test_uit_check_digits_match_anaf_rule_on_a_generated_uit(etr_validator):
    body = "7M0L0P0H0K3RAP"
    assert uit_check_digits(body) == "05"
    good = samples.deletion()
    bad = copy.deepcopy(good)
    good["document"]["uit"] = body + "05"
    assert etr_validator.validate(build_xml(Declaration.model_validate(good))) == []
    # ANAF's own rule rejects a wrong check digit; our model rejects it before any XML exists
    xml = build_xml(Declaration.model_validate(good)).replace(b"7M0L0P0H0K3RAP05", b"7M0L0P0H0K3RAP06")
    assert {f.rule for f in etr_validator.validate(xml)} == {"BR-019"}
    bad["document"]["uit"] = body + "06"
    with pytest.raises(ValidationError, match="BR-019"):
        Declaration.model_validate(bad)
    assert "BR-003" in (uit_problem("lowercase0000000") or "")


BAD_CASES = {
    "domestic-foreign-partner": (lambda d: d["document"]["partner"].update(country_code="DE"), "BR-005"),
    "domestic-bad-partner-code": (lambda d: d["document"]["partner"].update(code="RO4221306"), "BR-007"),
    "export-to-eu": (lambda d: d["document"].update(operation_type="50"), "BR-006"),
    "gross-below-net": (lambda d: d["document"]["goods"][0].update(gross_weight_kg="10"), "BR-020"),
    "wrong-purpose": (lambda d: d["document"]["goods"][0].update(purpose_code="201"), "BR-070"),
    "missing-tariff": (lambda d: d["document"]["goods"][0].pop("tariff_code"), "BR-206"),
    "domestic-border-start": (lambda d: d["document"].update(start={"border_point": 3}), "BR-212"),
    "two-route-kinds": (lambda d: d["document"]["start"].update(border_point=3), "BR-210"),
    "customs-end-domestic": (lambda d: d["document"].update(end={"customs_office": "372901"}), "BR-217"),
    "other-doc-without-notes": (lambda d: d["document"]["documents"][0].update(type_code="9999"), "BR-026"),
    "previous-on-domestic": (lambda d: d["document"].update(previous=[{"uit": samples.UIT}]), "BR-025"),
    "bad-declarant": (lambda d: d.update(declarant_code="0123"), "BR-002"),
    "bad-plate": (lambda d: d["document"]["transport"].update(vehicle_no="b 123"), "vehicle_no"),
    "three-decimals": (lambda d: d["document"]["goods"][0].update(quantity="1.005"), "quantity"),
    "unknown-county": (lambda d: d["document"]["start"]["location"].update(county_code="41"), "BR-CL-002"),
    "ro-carrier-bad-code": (lambda d: d["document"]["transport"].update(carrier_code="X1"), "BR-209"),
    "extra-field": (lambda d: d["document"].update(surprise=1), "surprise"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_model_refuses_what_anaf_would_reject(case):
    change, marker = BAD_CASES[case]
    d = samples.domestic()
    change(d)
    with pytest.raises(ValidationError) as info:
        Declaration.model_validate(d)
    assert marker in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
        (lambda x: x.replace(b'codTara="RO"', b'codTara="DE"'), "BR-005"),
        (lambda x: x.replace(b'greutateBruta="1350.5"', b'greutateBruta="100"'), "BR-020"),
        (lambda x: x.replace(b'codScopOperatiune="101"', b'codScopOperatiune="201"'), "BR-070"),
        (lambda x: x.replace(b'codJudet="12"', b'codJudet="12" codPtf="3"'), "XSD"),
    ],
)
def test_official_rules_catch_tampered_xml(mutate, rule, etr_validator):
    xml = mutate(build_xml(Declaration.model_validate(samples.domestic())))
    assert rule in {f.rule for f in etr_validator.validate(xml) if f.fatal}


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<eTransport xmlns="mfp:anaf:dgti:eTransport:declaratie:v2" codDeclarant="&e;"/>',
        b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><eTransport>&b;</eTransport>',
        b"<eTransport xmlns='mfp:anaf:dgti:eTransport:declaratie:v2' codDeclarant='1",
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
        b"\x00\x01binary",
    ],
)
def test_hostile_xml_is_refused_before_anything_else(payload, etr_validator):
    findings = etr_validator.validate(payload)
    assert findings and all(f.fatal and f.source == "xml" for f in findings)


def test_submit_request_needs_exactly_one_source():
    with pytest.raises(ValidationError, match="exactly one"):
        EtransportSubmitRequest.model_validate({"cif": "12345674"})
    with pytest.raises(ValidationError):
        EtransportSubmitRequest.model_validate({"cif": "RO12345674", "xml": "<x/>"})
    ok = EtransportSubmitRequest.model_validate({"declaration": samples.deletion()})
    assert ok.declaration is not None
