"""Document-level allowances (BG-20) and charges (BG-21): VAT category, rate, reason; effect on the totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree
from pydantic import ValidationError

from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import NS, build_ubl
from anaf_efactura.validation import InvoiceValidator
from tests.anaf_efactura.samples import credit_note, invoice

DISCOUNT = {
    "reason": "Discount comercial 10%",
    "reason_code": "95",
    "base_amount": "376.39",
    "percentage": "10",
    "vat_category": "S",
    "vat_rate": "21",
}
TRANSPORT = {
    "charge": True,
    "reason": "Transport",
    "reason_code": "FC",
    "amount": "50",
    "vat_category": "S",
    "vat_rate": "21",
}


def _money(root: etree._Element, name: str) -> str | None:
    return root.findtext(f"cac:LegalMonetaryTotal/cbc:{name}", namespaces=NS)


def test_totals_follow_en16931(validator: InvoiceValidator) -> None:
    model = Invoice.model_validate(invoice(allowances_charges=[DISCOUNT, TRANSPORT]))
    t = model.totals()
    # lines: 376.39 @ 21 %, 149.97 @ 11 %; allowance 37.64 and charge 50.00 both @ 21 %
    assert t.lines == Decimal("526.36")  # BT-106
    assert t.allowances == Decimal("37.64") and t.charges == Decimal("50.00")  # BT-107, BT-108
    assert t.tax_exclusive == Decimal("538.72")  # BT-109 = 526.36 - 37.64 + 50
    s21 = next(b for b in t.breakdown if b.rate == Decimal(21))
    assert s21.taxable == Decimal("388.75") and s21.tax == Decimal("81.64")  # BT-116, BT-117
    assert t.tax == Decimal("98.14")  # BT-110 = 81.64 + 16.50
    assert t.tax_inclusive == Decimal("636.86") and t.payable == Decimal("636.86")  # BT-112, BT-115
    xml = build_ubl(model)
    root = etree.fromstring(xml)
    assert _money(root, "AllowanceTotalAmount") == "37.64" and _money(root, "ChargeTotalAmount") == "50.00"
    assert _money(root, "TaxExclusiveAmount") == "538.72" and _money(root, "PayableAmount") == "636.86"
    discount = root.find("cac:AllowanceCharge", NS)
    assert discount is not None
    assert [c.text for c in discount][:5] == ["false", "95", "Discount comercial 10%", "10", "37.64"]
    report = validator.validate(xml)
    assert report.errors == [], report.to_dict()["errors"]


@pytest.mark.parametrize(
    "payload",
    [
        credit_note(),
        invoice(currency="EUR", tax_exchange_rate="4.9771"),
        invoice(),
    ],
    ids=["credit-note", "eur", "ron"],
)
def test_allowances_on_other_rates_and_documents_validate(validator: InvoiceValidator, payload: dict) -> None:
    payload["allowances_charges"] = [
        {"reason": "Reducere volum", "amount": "10.5", "vat_category": "S", "vat_rate": "11"},
        {"charge": True, "reason_code": "ABL", "amount": "3", "vat_category": "S", "vat_rate": "21"},
    ]
    if not any(line["vat_rate"] == "11" for line in payload["lines"]):
        payload["lines"].append({**payload["lines"][0], "vat_rate": "11"})
    model = Invoice.model_validate(payload)
    report = validator.validate(build_ubl(model))
    assert report.errors == [], report.to_dict()["errors"]


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ({"amount": "5", "vat_category": "S", "vat_rate": "21"}, "'reason' or a 'reason_code'"),
        ({**DISCOUNT, "amount": "30"}, "is not base_amount x percentage"),
        ({**DISCOUNT, "base_amount": None}, "go together"),
        ({"reason": "x", "vat_category": "S", "vat_rate": "21"}, "give 'amount'"),
        ({"reason": "x", "amount": "1", "vat_category": "S"}, "vat_rate > 0"),
        ({"reason": "x", "amount": "1", "vat_category": "S", "vat_rate": "19"}, "allowances_charges[0]: VAT rate 19 %"),
        ({"reason": "x", "amount": "1", "vat_category": "O"}, "BR-O-11"),
        ({"reason": "x", "amount": "-1", "vat_category": "S", "vat_rate": "21"}, "greater than or equal to 0"),
    ],
)
def test_invalid_allowances_are_refused(item: dict, needle: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Invoice.model_validate(invoice(allowances_charges=[{k: v for k, v in item.items() if v is not None}]))
    assert needle in str(caught.value)


def test_the_schematron_agrees_on_the_sums(validator: InvoiceValidator) -> None:
    """A tampered allowance total is caught by the official rules (BR-CO-11), so the test can fail."""
    xml = build_ubl(Invoice.model_validate(invoice(allowances_charges=[DISCOUNT])))
    total = b'<cbc:AllowanceTotalAmount currencyID="RON">'
    tampered = xml.replace(total + b"37.64", total + b"37.65")
    assert tampered != xml
    assert "BR-CO-11" in {f.rule for f in validator.validate(tampered).errors}
