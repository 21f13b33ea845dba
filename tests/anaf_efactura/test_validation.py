"""Validation before upload: official samples pass, model and rule errors carry rule ids, hostile XML is refused."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import build_ubl
from anaf_efactura.validation import InvoiceValidator, parse_untrusted
from shared.errors import PayloadError
from tests.anaf_efactura.samples import credit_note, invoice
from tests.schemadata import installed_dir

EXAMPLES = sorted((installed_dir("cius-ro-examples") / "examples").glob("*.xml"))


#: ANAF's own sample 6 breaks three rules (buyer and tax representative subdivisions, a VAT sum).
KNOWN_BAD = {"ubl_b2g_example6.xml": {"BR-RO-111", "BR-RO-170", "BR-S-08"}}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_anaf_samples(validator: InvoiceValidator, path: Path) -> None:
    """The Schematron's verdicts are ANAF's; our CUI check refuses the samples' placeholder identifiers.

    Every sample's seller is ``RO1111111111118`` (13 digits, not a CUI), which only the CUI check catches.
    """
    report = validator.validate(path.read_bytes())
    official = {f.rule for f in report.errors if f.source != "checks"}
    assert official == KNOWN_BAD.get(path.name, set()), report.to_dict()["errors"][:3]
    assert all(f.source == "schematron" for f in report.errors if f.source != "checks")
    ours = [f for f in report.errors if f.source == "checks"]
    assert {f.rule for f in ours} == {"RO-CUI"}
    assert any("'RO1111111111118'" in f.message for f in ours)


@pytest.mark.parametrize("payload", [invoice(), credit_note(), invoice(currency="EUR", tax_exchange_rate="4.9771")])
def test_built_documents_validate(validator: InvoiceValidator, payload: dict) -> None:
    xml = build_ubl(Invoice.model_validate(payload))
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    report = validator.validate(xml)
    assert report.ok and report.errors == [], report.to_dict()


def test_totals_are_rounded_per_category() -> None:
    totals = Invoice.model_validate(invoice()).totals()
    # 2.5 h x 150.555 = 376.3875 -> 376.39 at 21 % ; 3 x 49.99 = 149.97 at 11 %
    assert [(b.category, b.rate, b.taxable, b.tax) for b in totals.breakdown] == [
        ("S", Decimal(11), Decimal("149.97"), Decimal("16.50")),
        ("S", Decimal(21), Decimal("376.39"), Decimal("79.04")),
    ]
    assert totals.payable == Decimal("621.90") and totals.tax == Decimal("95.54")


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d.update(number="FACTURA-FARA-CIFRE"), "BR-RO-010"),
        (lambda d: d["seller"]["address"].update(city="Bucuresti"), "SECTOR1..SECTOR6"),
        (lambda d: d["buyer"]["address"].update(county="CLUJ"), "ISO 3166-2:RO"),
        (lambda d: d.update(currency="EUR"), "BR-RO-030"),
        (lambda d: d["lines"][0].update(vat_rate="0"), "vat_rate > 0"),
        (lambda d: d.update(notes=["n"] * 21), "at most 20"),
        (lambda d: d["lines"][0].update(name="x" * 101), "at most 100"),
        (lambda d: d["seller"].update(vat_id="RO4221307"), "check digit"),
        (lambda d: d.update(due_date=None), "BR-CO-25"),
        (lambda d: d["payment"].update(iban=None), "BR-61"),
        (lambda d: d["lines"][0].update(name="bad \x00 char"), "not allowed"),
    ],
)
def test_model_refuses_what_cius_ro_would(mutate, needle: str) -> None:
    data = copy.deepcopy(invoice())
    mutate(data)
    with pytest.raises(ValidationError) as info:
        Invoice.model_validate(data)
    assert needle in str(info.value)


def test_bucharest_sector_is_normalised() -> None:
    data = invoice()
    data["seller"]["address"]["city"] = "sector 3"
    assert Invoice.model_validate(data).seller.address.city == "SECTOR3"


def test_schematron_findings_carry_rule_ids(validator: InvoiceValidator) -> None:
    xml = build_ubl(Invoice.model_validate(invoice()))
    broken = xml.replace(b"CIUS-RO:1.0.1", b"CIUS-RO:0.9").replace(b"<cbc:ID>FCT-2026-0001", b"<cbc:ID>FCT-FARA")
    report = validator.validate(broken)
    rules = {f.rule for f in report.errors}
    assert "BR-RO-001" in rules
    with pytest.raises(PayloadError) as info:
        report.raise_for_errors()
    error = info.value.to_dict()
    assert error["code"] == "efactura_invalid"
    assert {e["type"] for e in error["errors"]} == rules
    assert all(e["msg"].startswith(f"[{e['type']}]") and e["loc"][0] == "xml" for e in error["errors"])


def test_xsd_errors_come_first(validator: InvoiceValidator) -> None:
    xml = build_ubl(Invoice.model_validate(invoice()))
    wrong_order = xml.replace(b"<cbc:IssueDate>2026-03-02</cbc:IssueDate>", b"").replace(
        b"<cbc:DueDate>", b"<cbc:IssueDate>2026-03-02</cbc:IssueDate><cbc:Foo>1</cbc:Foo><cbc:DueDate>"
    )
    report = validator.validate(wrong_order)
    assert report.errors and {f.source for f in report.errors} == {"xsd"}
    assert all(f.rule == "UBL-XSD" for f in report.errors)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol3;</ID></Invoice>"""
NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (XXE, "dtd_forbidden"),
        (BOMB, "dtd_forbidden"),
        (NETWORK_DTD, "dtd_forbidden"),
        (
            XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16"),
            "dtd_forbidden",
        ),
        (b"<Invoice", "xml_syntax"),
        (b'<?xml version="1.0"?><Order xmlns="urn:x"/>', "not_ubl"),
        (b" " * (10 * 1024 * 1024 + 1), "too_large"),
    ],
    ids=["xxe", "entity-bomb", "external-dtd", "utf16-doctype", "not-well-formed", "not-ubl", "over-10MB"],
)
def test_hostile_or_wrong_xml_is_refused(validator: InvoiceValidator, data: bytes, kind: str) -> None:
    with pytest.raises(PayloadError) as info:
        validator.validate(data)
    assert info.value.errors[0]["type"] == kind
    with pytest.raises(PayloadError):
        parse_untrusted(data)
