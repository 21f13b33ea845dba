"""Every Romanian CUI of a document (BT-30/31/47/48/63) is checked with one function on every path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from anaf_core.cui import cui_problem
from anaf_efactura.invoice import Invoice
from anaf_efactura.law import CUI_RULE, identifier_findings
from anaf_efactura.ubl import build_ubl
from anaf_efactura.validation import InvoiceValidator, parse_untrusted
from shared.errors import PayloadError
from tests.anaf_efactura.samples import invoice
from tests.schemadata import REPO

GOOD = build_ubl(Invoice.model_validate(invoice("FCT-CUI-1")))
# 12345674 is valid; 12345678 has the wrong check digit. 4221306 is valid; 4221307 is not.
TAMPERED = {
    "seller VAT id (BT-31)": GOOD.replace(b">RO4221306<", b">RO4221307<"),
    "buyer VAT id (BT-48)": GOOD.replace(b">RO12345674<", b">RO12345678<"),
    "buyer legal id (BT-47)": GOOD.replace(b">J12/99/2015<", b">12345678<"),
    "seller legal id (BT-30)": GOOD.replace(b">J40/1234/2010<", b">RO4221307<"),
}


@pytest.mark.parametrize(
    ("value", "vat", "ok"),
    [
        ("RO4221306", True, True),
        ("RO4221307", True, False),
        ("RO12A", True, False),
        ("DE123456789", True, True),  # not Romanian: not ours to check
        ("12345674", False, True),
        ("12345678", False, False),
        ("RO12345678", False, False),
        ("J40/1234/2010", False, True),  # a trade-register number is not a CUI
        ("0000000000000", False, True),  # a 13-digit CNP is not a CUI
    ],
)
def test_one_function_decides(value: str, vat: bool, ok: bool) -> None:
    assert (cui_problem(value, vat_id=vat) is None) is ok


def test_good_document_has_no_identifier_findings() -> None:
    assert identifier_findings(parse_untrusted(GOOD)) == []


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_validator_refuses_a_wrong_check_digit(validator: InvoiceValidator, name: str) -> None:
    """The path of raw XML (``xml`` / ``xml_artifact`` submit payloads), which the CIUS-RO Schematron accepts."""
    report = validator.validate(TAMPERED[name])
    assert [(f.source, f.rule) for f in report.errors] == [("checks", CUI_RULE)], report.to_dict()
    assert name.split("(")[1].rstrip(")") in report.errors[0].message
    assert report.errors[0].location.startswith("/")
    with pytest.raises(PayloadError) as caught:
        report.raise_for_errors()
    assert caught.value.to_dict()["errors"][0]["type"] == CUI_RULE


def test_foreign_legal_ids_are_not_cuis(validator: InvoiceValidator) -> None:
    data = invoice("FCT-CUI-2")
    data["buyer"] = {
        "name": "KUNDE GMBH",
        "vat_id": "DE123456789",
        "legal_id": "12345678",
        "address": {"street": "Hauptstr. 1", "city": "Berlin", "country": "DE", "county": "BE"},
    }
    assert validator.validate(build_ubl(Invoice.model_validate(data))).errors == []


@pytest.mark.parametrize(
    ("party", "field", "value"),
    [
        ("seller", "vat_id", "RO4221307"),
        ("buyer", "vat_id", "RO12345678"),
        ("buyer", "legal_id", "12345678"),
        ("seller", "legal_id", "RO4221307"),
    ],
)
def test_json_model_refuses_a_wrong_check_digit(party: str, field: str, value: str) -> None:
    data = invoice()
    data[party][field] = value
    with pytest.raises(ValidationError) as caught:
        Invoice.model_validate(data)
    assert "check digit" in str(caught.value)


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args], cwd=REPO, capture_output=True, timeout=180, env=env
    )


def test_efactura_validate_cli_refuses_a_wrong_check_digit(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_bytes(GOOD)
    bad.write_bytes(TAMPERED["buyer VAT id (BT-48)"])
    assert _cli("efactura", "validate", str(good)).returncode == 0
    out = _cli("efactura", "validate", str(bad))
    assert out.returncode == 1, out.stderr
    assert [e["rule"] for e in json.loads(out.stdout)["errors"]] == [CUI_RULE]
    source = tmp_path / "invoice.json"
    data = invoice("FCT-CUI-3")
    data["buyer"]["vat_id"] = "RO12345678"
    source.write_text(json.dumps(data))
    built = _cli("efactura", "build", str(source))
    assert built.returncode == 1 and b"check digit" in built.stderr


def test_tax_representative_vat_id_is_checked(validator: InvoiceValidator) -> None:
    """BT-63 in raw XML (the JSON model has no tax representative): a RO VAT id with a wrong check digit."""
    rep = (
        b"<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>REP SRL</cbc:Name></cac:PartyName>"
        b"<cac:PostalAddress><cbc:StreetName>Str. A 1</cbc:StreetName><cbc:CityName>SECTOR1</cbc:CityName>"
        b"<cbc:CountrySubentity>RO-B</cbc:CountrySubentity><cac:Country><cbc:IdentificationCode>RO"
        b"</cbc:IdentificationCode></cac:Country></cac:PostalAddress><cac:PartyTaxScheme><cbc:CompanyID>VALUE"
        b"</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        b"</cac:TaxRepresentativeParty>"
    )
    marker = b"<cac:PaymentMeans>"
    assert marker in GOOD
    good = GOOD.replace(marker, rep.replace(b"VALUE", b"RO12345674") + marker)
    bad = GOOD.replace(marker, rep.replace(b"VALUE", b"RO12345678") + marker)
    assert CUI_RULE not in {f.rule for f in validator.validate(good).errors}
    findings = [f for f in validator.validate(bad).errors if f.rule == CUI_RULE]
    assert len(findings) == 1 and "BT-63" in findings[0].message
