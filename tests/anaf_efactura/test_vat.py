"""The dated Romanian VAT table (anaf_core.vat) and its use on every invoice line."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from pydantic import ValidationError

from anaf_core.vat import EXCEPTIONS, PERIODS, VatRateError, check_rate, period_on
from anaf_efactura.invoice import Invoice
from anaf_efactura.ubl import build_ubl
from anaf_efactura.validation import InvoiceValidator
from tests.anaf_efactura.samples import credit_note, invoice


def test_table_is_contiguous_and_every_line_names_its_law() -> None:
    for before, after in itertools.pairwise(PERIODS):
        assert before.end is not None and after.start == before.end + dt.timedelta(days=1)
    assert PERIODS[-1].end is None
    assert all("art. 291" in p.source for p in PERIODS)
    assert "Legea nr. 141/2025" in PERIODS[-1].source
    assert all(rule.source for rule in EXCEPTIONS.values())


@pytest.mark.parametrize(
    ("day", "standard", "reduced"),
    [
        (dt.date(2017, 1, 1), 19, (9, 5)),
        (dt.date(2025, 7, 31), 19, (9, 5)),
        (dt.date(2025, 8, 1), 21, (11,)),
        (dt.date(2030, 1, 1), 21, (11,)),
    ],
)
def test_rates_in_force(day: dt.date, standard: int, reduced: tuple[int, ...]) -> None:
    period = period_on(day)
    assert period is not None
    assert period.standard == Decimal(standard) and period.reduced == tuple(Decimal(r) for r in reduced)


def test_rate_out_of_force_is_refused_with_the_law() -> None:
    with pytest.raises(VatRateError) as caught:
        check_rate(Decimal(19), dt.date(2025, 8, 1))
    assert caught.value.code == "vat_rate_not_in_force"
    assert caught.value.context["allowed"] == "21 %, 11 %"
    assert "Legea nr. 141/2025" in caught.value.context["source"]
    with pytest.raises(VatRateError) as early:
        check_rate(Decimal(24), dt.date(2015, 12, 31))
    assert early.value.code == "vat_rate_unknown_date"


def test_exceptions() -> None:
    # art. III of Legea 141/2025: 9 % on dwellings until 2026-07-31, only when named
    assert "art. III" in check_rate(Decimal(9), dt.date(2026, 7, 31), "L141-2025-art-III")
    with pytest.raises(VatRateError, match="exception L141-2025-art-III applies"):
        check_rate(Decimal(9), dt.date(2026, 8, 1), "L141-2025-art-III")
    with pytest.raises(VatRateError, match="allows 9 % only"):
        check_rate(Decimal(5), dt.date(2026, 1, 1), "L141-2025-art-III")
    # an adjustment keeps the base operation's rate (art. 282 alin. (9))
    assert "art. 282" in check_rate(Decimal(19), dt.date(2025, 9, 1), "adjustment", (dt.date(2025, 7, 20),))
    with pytest.raises(VatRateError) as caught:
        check_rate(Decimal(19), dt.date(2025, 9, 1), "adjustment", (dt.date(2025, 8, 20),))
    assert caught.value.code == "vat_rate_not_in_force"
    with pytest.raises(VatRateError) as missing:
        check_rate(Decimal(19), dt.date(2025, 9, 1), "adjustment")
    assert missing.value.code == "vat_adjustment_without_base"


def _errors(payload: dict) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        Invoice.model_validate(payload)
    return caught.value.errors(include_url=False, include_input=False)


def test_invoice_line_rate_checked_against_the_tax_point() -> None:
    old_rate = invoice()
    old_rate["lines"][1]["vat_rate"] = "9"
    (error,) = _errors(old_rate)
    assert error["type"] == "vat_rate_not_in_force"
    assert error["msg"].startswith("lines[1]: VAT rate 9 % was not in force on the tax point 2026-03-02")
    assert error["ctx"]["allowed"] == "21 %, 11 %"
    # the same rates were right for a July 2025 supply (BT-7 tax point date)
    Invoice.model_validate(
        invoice(issue_date="2025-08-03", tax_point_date="2025-07-30", lines=[{**old_rate["lines"][1]}])
    )
    # the delivery date is the tax point when BT-8 says so (code 35)
    delivered = invoice(issue_date="2025-08-05", vat_point_code="35", delivery={"date": "2025-07-31"})
    delivered["lines"] = [{**old_rate["lines"][1]}]
    Invoice.model_validate(delivered)
    assert _errors({**delivered, "delivery": {"date": "2025-08-01"}})[0]["type"] == "vat_rate_not_in_force"


def test_a_named_exception_allows_the_transitional_rate(validator: InvoiceValidator) -> None:
    payload = invoice()
    payload["lines"] = [
        {
            "name": "Apartament 2 camere",
            "quantity": "1",
            "unit_price": "350000",
            "vat_category": "S",
            "vat_rate": "9",
            "vat_exception": "L141-2025-art-III",
        }
    ]
    model = Invoice.model_validate(payload)
    report = validator.validate(build_ubl(model))
    assert report.errors == [], report.to_dict()["errors"]
    payload["lines"][0]["vat_exception"] = "adjustment"
    assert _errors(payload)[0]["type"] == "vat_adjustment_without_base"


def test_credit_note_adjusting_a_pre_august_invoice_keeps_its_rate(validator: InvoiceValidator) -> None:
    payload = credit_note()
    payload["preceding_invoices"] = [{"number": "FCT-2025-0777", "issue_date": "2025-07-15"}]
    payload["lines"][0].update(vat_rate="19")
    assert _errors(payload)[0]["type"] == "vat_rate_not_in_force"
    payload["lines"][0]["vat_exception"] = "adjustment"
    model = Invoice.model_validate(payload)
    assert model.totals().breakdown[0].rate == Decimal(19)
    report = validator.validate(build_ubl(model))
    assert report.errors == [], report.to_dict()["errors"]


def test_tax_point_date_is_written_and_exclusive_with_the_vat_point_code(validator: InvoiceValidator) -> None:
    model = Invoice.model_validate(invoice(tax_point_date="2026-02-27"))
    xml = build_ubl(model)
    assert b"<cbc:TaxPointDate>2026-02-27</cbc:TaxPointDate>" in xml
    assert validator.validate(xml).errors == []
    cn = Invoice.model_validate({**credit_note(), "tax_point_date": "2026-02-27"})
    assert validator.validate(build_ubl(cn)).errors == []
    assert "BR-CO-3" in _errors(invoice(tax_point_date="2026-02-27", vat_point_code="3"))[0]["msg"]


def test_exception_only_on_standard_rated_lines() -> None:
    payload = invoice()
    payload["lines"][0].update(vat_category="Z", vat_rate="0", vat_exception="adjustment")
    assert "standard rated (S) items only" in _errors(payload)[0]["msg"]


def test_raw_xml_rates_are_checked_as_warnings(validator: InvoiceValidator) -> None:
    """A document from outside cannot name an exception: a rate out of force is a warning, not a refusal."""
    xml = build_ubl(Invoice.model_validate(invoice()))
    assert validator.validate(xml).warnings == []
    old = xml.replace(b"<cbc:Percent>21</cbc:Percent>", b"<cbc:Percent>19</cbc:Percent>")
    report = validator.validate(old)
    assert [f.rule for f in report.warnings] == ["RO-VAT-RATE"]  # the line (the breakdown follows the lines)
    assert "RO-VAT-RATE" not in {f.rule for f in report.errors}
    assert report.warnings[0].location.endswith("cac:ClassifiedTaxCategory")
    assert "VAT rate 19 % was not in force on the tax point 2026-03-02" in report.warnings[0].message


def test_raw_credit_note_keeps_the_base_operation_rate(validator: InvoiceValidator) -> None:
    payload = credit_note()
    payload["preceding_invoices"] = [{"number": "FCT-2025-0777", "issue_date": "2025-07-15"}]
    payload["lines"][0].update(vat_rate="19", vat_exception="adjustment")
    report = validator.validate(build_ubl(Invoice.model_validate(payload)))
    assert report.errors == [] and report.warnings == []
