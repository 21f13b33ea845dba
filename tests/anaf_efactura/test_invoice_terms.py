"""Facts the model now says: exemption code/text per category, country-only delivery, exchange rate, extern."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from pydantic import ValidationError

from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import NS, build_ubl
from anaf_efactura.validation import InvoiceValidator
from tests.anaf_efactura.samples import invoice
from tests.schemadata import REPO

EXEMPT_LINE = {"name": "Curs autorizat", "quantity": "1", "unit_price": "500", "vat_category": "E", "vat_rate": "0"}


def _subtotal(xml: bytes, category: str) -> etree._Element:
    root = etree.fromstring(xml)
    for cat in root.findall("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS):
        if cat.findtext("cbc:ID", namespaces=NS) == category:
            return cat
    raise AssertionError(f"no {category} subtotal")


def test_exemption_code_and_text_per_category(validator: InvoiceValidator) -> None:
    data = invoice(exemptions={"E": {"code": "VATEX-EU-132-1I", "reason": "Scutit conform art. 292 alin. (2) lit. a)"}})
    data["lines"].append(EXEMPT_LINE)
    xml = build_ubl(Invoice.model_validate(data))
    category = _subtotal(xml, "E")
    assert category.findtext("cbc:TaxExemptionReasonCode", namespaces=NS) == "VATEX-EU-132-1I"
    assert category.findtext("cbc:TaxExemptionReason", namespaces=NS) == "Scutit conform art. 292 alin. (2) lit. a)"
    assert validator.validate(xml).errors == []
    # a code alone is enough (BR-E-10), and the official list is checked (BR-CL-22)
    data["exemptions"] = {"E": {"code": "VATEX-EU-132-1I"}}
    xml = build_ubl(Invoice.model_validate(data))
    assert _subtotal(xml, "E").find("cbc:TaxExemptionReason", NS) is None
    assert validator.validate(xml).errors == []
    data["exemptions"] = {"E": {"code": "VATEX-EU-NOPE"}}
    assert "BR-CL-22" in {f.rule for f in validator.validate(build_ubl(Invoice.model_validate(data))).errors}


@pytest.mark.parametrize(
    ("exemptions", "needle"),
    [
        ({"E": {}}, "needs a 'code'"),
        ({"AE": {"reason": "Taxare inversa"}}, "no item has that category"),
        ({"E": {"code": "EU-132"}}, "String should match pattern"),
    ],
)
def test_bad_exemptions_are_refused(exemptions: dict, needle: str) -> None:
    data = invoice(exemptions=exemptions)
    data["lines"].append(EXEMPT_LINE)
    with pytest.raises(ValidationError, match=needle):
        Invoice.model_validate(data)


def test_delivery_by_country_only_is_refused_because_cius_ro_refuses_it(validator: InvoiceValidator) -> None:
    with pytest.raises(ValidationError, match="BR-RO-180"):
        Invoice.model_validate(invoice(delivery={"country": "DE", "date": "2026-03-01"}))
    # the official rules agree: a deliver-to address with only its country is fatal under CIUS-RO
    xml = build_ubl(Invoice.model_validate(invoice(delivery={"date": "2026-03-01"})))
    country_only = xml.replace(
        b"<cbc:ActualDeliveryDate>2026-03-01</cbc:ActualDeliveryDate>",
        b"<cbc:ActualDeliveryDate>2026-03-01</cbc:ActualDeliveryDate><cac:DeliveryLocation><cac:Address>"
        b"<cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>"
        b"</cac:Address></cac:DeliveryLocation>",
    )
    assert country_only != xml
    assert {"BR-RO-180", "BR-RO-201", "BR-RO-211"} <= {f.rule for f in validator.validate(country_only).errors}
    # with a full address the country is accepted (and must agree)
    address = {"street": "Hauptstr. 1", "city": "Berlin", "county": "BE", "country": "DE"}
    Invoice.model_validate(invoice(delivery={"country": "DE", "address": address}))
    with pytest.raises(ValidationError, match="differs"):
        Invoice.model_validate(invoice(delivery={"country": "FR", "address": address}))


def test_exchange_rate_is_recorded_in_a_note(validator: InvoiceValidator) -> None:
    xml = build_ubl(Invoice.model_validate(invoice(currency="EUR", tax_exchange_rate="4.9771")))
    notes = [n.text for n in etree.fromstring(xml).findall("cbc:Note", NS)]
    assert notes[-1] == "Curs de schimb utilizat pentru TVA: 1 EUR = 4.9771 RON"
    assert validator.validate(xml).errors == []
    quiet = build_ubl(
        Invoice.model_validate(invoice(currency="EUR", tax_exchange_rate="4.9771", exchange_rate_note=False))
    )
    assert b"Curs de schimb" not in quiet
    with pytest.raises(ValidationError, match="at most 20 notes"):
        Invoice.model_validate(invoice(currency="EUR", tax_exchange_rate="4.9771", notes=["n"] * 20))


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args], cwd=REPO, capture_output=True, timeout=180, env=env
    )


def test_build_takes_the_extern_flag(tmp_path: Path) -> None:
    domestic = tmp_path / "ro.json"
    domestic.write_text(json.dumps(invoice("FCT-EXT-1")))
    refused = _cli("efactura", "build", "--extern", str(domestic))
    assert refused.returncode == 1 and json.loads(refused.stderr)["errors"][0]["type"] == "extern"
    data = invoice("FCT-EXT-2")
    data["buyer"] = {
        "name": "KUNDE GMBH",
        "vat_id": "DE123456789",
        "address": {"street": "Hauptstr. 1", "city": "Berlin", "county": "BE", "country": "DE"},
    }
    abroad = tmp_path / "de.json"
    abroad.write_text(json.dumps(data))
    built = _cli("efactura", "build", "--extern", str(abroad))
    assert built.returncode == 0, built.stderr
    assert b"<cbc:ID>FCT-EXT-2</cbc:ID>" in built.stdout and built.stderr == b""
    hinted = _cli("efactura", "build", str(abroad))
    assert hinted.returncode == 0 and b"extern=DA" in hinted.stderr


def test_buyer_legal_form_is_refused(validator: InvoiceValidator) -> None:
    """The coverage check found it: no EN 16931 term, and the CEN rules warn on it (UBL-CR-243)."""
    data = invoice()
    data["buyer"]["legal_form"] = "SRL"
    with pytest.raises(ValidationError, match="UBL-CR-243"):
        Invoice.model_validate(data)
