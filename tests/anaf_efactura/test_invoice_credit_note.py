"""Credit notes: BR-CO-25 (due date or terms) is an Invoice rule; no payment means is invented."""

from __future__ import annotations

import pytest
from lxml import etree
from pydantic import ValidationError

from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import NS, build_ubl
from anaf_efactura.validation import InvoiceValidator
from tests.anaf_efactura.samples import credit_note, invoice


def _bare_credit_note() -> dict:
    data = credit_note("CN-2026-0100")
    data.pop("payment")
    data.pop("payment_terms")
    data["due_date"] = None
    return data


def test_credit_note_without_due_date_or_terms_is_accepted(validator: InvoiceValidator) -> None:
    model = Invoice.model_validate(_bare_credit_note())
    assert model.totals().payable > 0
    xml = build_ubl(model)
    root = etree.fromstring(xml)
    assert root.find("cac:PaymentMeans", NS) is None and root.find("cac:PaymentTerms", NS) is None
    report = validator.validate(xml)
    assert report.errors == [], report.to_dict()["errors"]


def test_credit_note_due_date_goes_with_the_callers_payment_means(validator: InvoiceValidator) -> None:
    data = _bare_credit_note()
    data.update(due_date="2026-04-15", payment={"means_code": "42"})
    xml = build_ubl(Invoice.model_validate(data))
    root = etree.fromstring(xml)
    (means,) = root.findall("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "42"
    assert means.findtext("cbc:PaymentDueDate", namespaces=NS) == "2026-04-15"
    assert validator.validate(xml).errors == []


def test_credit_note_due_date_without_payment_is_refused_not_invented() -> None:
    data = _bare_credit_note()
    data["due_date"] = "2026-04-15"
    with pytest.raises(ValidationError, match="give 'payment' with its means code"):
        Invoice.model_validate(data)


def test_invoice_still_needs_due_date_or_terms(validator: InvoiceValidator) -> None:
    data = invoice(due_date=None)
    with pytest.raises(ValidationError, match="BR-CO-25"):
        Invoice.model_validate(data)
    # the official rule agrees: the same document without a due date fails BR-CO-25
    xml = build_ubl(Invoice.model_validate(invoice()))
    stripped = xml.replace(b"<cbc:DueDate>2026-04-01</cbc:DueDate>", b"")
    assert {f.rule for f in validator.validate(stripped).errors} == {"BR-CO-25"}
