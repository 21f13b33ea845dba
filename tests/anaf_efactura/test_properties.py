"""Properties: random legal invoices are accepted, pass the UBL XSD + CIUS-RO Schematron, and obey EN 16931 totals.

The strategies build legal payloads by construction: lines, allowances and charges at the Romanian rates in
force on the tax point (``anaf_core.vat``), currencies with an exchange rate, credit notes (some correcting a
pre-August-2025 invoice at its old rate), Romanian (Bucharest sectors included) and foreign parties with valid
CUIs. The totals are recomputed from the XML itself, not from the model. Example counts come from the
Hypothesis profile (tests/conftest.py): bounded by default, ``HYPOTHESIS_PROFILE=slow`` for more.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from anaf_core import cui_check_digit
from anaf_core.vat import period_on
from anaf_efactura.invoice import BUCHAREST_SECTORS, RO_COUNTIES, Invoice
from anaf_efactura.ubl import NS, build_ubl
from anaf_efactura.validation import InvoiceValidator

CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\ufffe\uffff")
CENT = Decimal("0.01")
EXEMPTION_CODES = {
    "E": "VATEX-EU-132-1I",
    "AE": "VATEX-EU-AE",
    "K": "VATEX-EU-IC",
    "G": "VATEX-EU-G",
    "O": "VATEX-EU-O",
}


def text(max_size: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(CHARS, min_size=1, max_size=max_size),
        st.text(st.sampled_from("AĂÂÎȘȚaăâîșț -.,/&<>\"'0123456789"), min_size=max_size - 2, max_size=max_size),
    ).filter(lambda s: s.strip() != "")


def rates_on(day: dt.date) -> tuple[Decimal, ...]:
    period = period_on(day)
    assert period is not None
    return period.rates


@st.composite
def ro_cui(draw: st.DrawFn) -> str:
    body = str(draw(st.integers(10, 999_999_999)))
    return body + str(cui_check_digit(body))


@st.composite
def ro_address(draw: st.DrawFn) -> dict[str, Any]:
    county = draw(st.sampled_from(sorted(RO_COUNTIES)))
    if county == "RO-B":
        city = draw(st.sampled_from(BUCHAREST_SECTORS))
        city = draw(st.sampled_from([city, city.lower().replace("r", "r ", 1), city.title()]))
    else:
        city = draw(text(50))
    return {
        "street": draw(text(150)),
        "city": city,
        "county": county,
        "country": "RO",
        "postal_code": draw(st.none() | st.from_regex(r"[0-9]{6}", fullmatch=True)),
        "additional_street": draw(st.none() | text(100)),
    }


@st.composite
def foreign_address(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "street": draw(text(150)),
        "city": draw(text(50)),
        "country": draw(st.sampled_from(["DE", "FR", "HU", "BG", "IT", "AT", "US", "GB"])),
        "county": draw(st.sampled_from(["BY", "IDF", "PEST", "SOF", "RM", "W"])),
    }


@st.composite
def party(draw: st.DrawFn, *, vat: bool, foreign: bool = False) -> dict[str, Any]:
    address = draw(foreign_address()) if foreign else draw(ro_address())
    vat_id = None
    if vat:
        digits = draw(st.from_regex(r"[0-9]{9}", fullmatch=True))
        vat_id = f"{address['country']}{digits}" if foreign else f"RO{draw(ro_cui())}"
    legal_ids = st.one_of(ro_cui(), st.from_regex(r"J[0-9]{2}/[0-9]{1,6}/20[0-9]{2}", fullmatch=True))
    out: dict[str, Any] = {
        "name": draw(text(200)),
        "vat_id": vat_id,
        "address": address,
        "legal_id": draw(legal_ids) if (not vat or draw(st.booleans())) else None,
    }
    if draw(st.booleans()):
        out["contact"] = {
            "name": draw(st.none() | text(100)),
            "phone": draw(st.none() | st.just("+40 744 000 000")),
            "email": draw(st.none() | st.just("office@example.ro")),
        }
    return out


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.999999"), places=6, allow_nan=False)
quantity = st.decimals(min_value=Decimal("-999.999"), max_value=Decimal("9999.999999"), places=6, allow_nan=False).map(
    lambda q: q if q != 0 else Decimal(1)
)


def _tax(category: str, rates: tuple[Decimal, ...], draw: st.DrawFn) -> dict[str, Any]:
    if category == "S":
        return {"vat_category": "S", "vat_rate": str(draw(st.sampled_from(rates)))}
    return {"vat_category": category, "vat_rate": None if category == "O" else "0"}


@st.composite
def line(draw: st.DrawFn, categories: list[str], rates: tuple[Decimal, ...]) -> dict[str, Any]:
    out = {
        "name": draw(text(100)),
        "quantity": str(draw(quantity)),
        "unit_price": str(draw(money)),
        "unit_code": draw(st.sampled_from(["H87", "C62", "KGM", "HUR", "MTR", "LTR", "DAY", "MON", "SET", "XPP"])),
        **_tax(draw(st.sampled_from(categories)), rates, draw),
    }
    if draw(st.booleans()):
        out["description"] = draw(text(200))
    if draw(st.booleans()):
        out["note"] = draw(text(300))
    if draw(st.booleans()):
        out["attributes"] = draw(st.lists(st.fixed_dictionaries({"name": text(50), "value": text(100)}), max_size=3))
    return out


@st.composite
def allowance_charge(draw: st.DrawFn, categories: list[str], rates: tuple[Decimal, ...]) -> dict[str, Any]:
    charge = draw(st.booleans())
    codes = ["FC", "ABL", "AA"] if charge else ["95", "100", "41", "64"]
    out: dict[str, Any] = {"charge": charge, **_tax(draw(st.sampled_from(categories)), rates, draw)}
    reason = draw(st.sampled_from(["text", "code", "both"]))
    if reason != "code":
        out["reason"] = draw(text(100))
    if reason != "text":
        out["reason_code"] = draw(st.sampled_from(codes))
    if draw(st.booleans()):
        out["base_amount"] = str(draw(st.decimals(Decimal("0"), Decimal("50000"), places=2)))
        out["percentage"] = str(draw(st.decimals(Decimal("0"), Decimal("100"), places=2)))
    else:
        out["amount"] = str(draw(st.decimals(Decimal("0"), Decimal("5000"), places=2)))
    return out


def _regime(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    regime = draw(st.sampled_from(["domestic", "domestic", "intra_eu", "not_subject", "export"]))
    if regime == "intra_eu":
        return draw(party(vat=True)), draw(party(vat=True, foreign=True)), ["K"]
    if regime == "not_subject":
        return draw(party(vat=False)), draw(party(vat=False)), ["O"]
    if regime == "export":
        return draw(party(vat=True)), draw(party(vat=False, foreign=True)), ["G", "E"]
    return draw(party(vat=True)), draw(party(vat=draw(st.booleans()))), ["S", "S", "Z", "E", "AE"]


@st.composite
def invoices(draw: st.DrawFn) -> dict[str, Any]:
    seller, buyer, categories = _regime(draw)
    issue = draw(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)))
    tax_point = issue - dt.timedelta(days=draw(st.integers(0, 20))) if draw(st.booleans()) else None
    rates = rates_on(tax_point or issue)
    credit = draw(st.sampled_from([False, False, True]))
    currency = draw(st.sampled_from(["RON", "RON", "EUR", "USD"]))
    data: dict[str, Any] = {
        "document_type": "credit_note" if credit else "invoice",
        "number": draw(text(198)) + draw(st.from_regex(r"[0-9]{1,2}", fullmatch=True)),
        "issue_date": issue.isoformat(),
        "tax_point_date": tax_point.isoformat() if tax_point else None,
        "currency": currency,
        "tax_exchange_rate": None
        if currency == "RON"
        else str(draw(st.decimals(Decimal("0.1"), Decimal("10"), places=4))),
        "exchange_rate_note": draw(st.booleans()),
        "notes": draw(st.lists(text(300), max_size=3)),
        "seller": seller,
        "buyer": buyer,
        "lines": draw(st.lists(line(categories, rates), min_size=1, max_size=5)),
        "allowances_charges": draw(st.lists(allowance_charge(categories, rates), max_size=3)),
        "vat_point_code": None if tax_point else draw(st.none() | st.sampled_from(["3", "432"])),
        "order_reference": draw(st.none() | text(200)),
        "buyer_reference": draw(st.none() | text(200)),
    }
    present = {item["vat_category"] for item in data["lines"] + data["allowances_charges"]}
    data["exemptions"] = {
        c: {"code": EXEMPTION_CODES[c], **({"reason": draw(text(100))} if draw(st.booleans()) else {})}
        for c in sorted(present - {"S", "Z"})
        if draw(st.booleans())
    }
    paid = draw(st.booleans())
    if paid:
        data["payment"] = {
            "means_code": "30",
            "iban": "RO49AAAA1B31007593840000",
            "payment_id": draw(st.none() | text(140)),
        }
    due = (issue + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat()
    if credit:
        data["due_date"] = due if paid and draw(st.booleans()) else None
        data["payment_terms"] = draw(st.none() | text(300))
        _correct_an_old_invoice(draw, data, issue)
    else:
        data["due_date"], data["payment_terms"] = draw(
            st.sampled_from([(due, None), (None, "Plata la 30 de zile"), (due, "Plata la termen")])
        )
    if categories == ["K"]:
        data["delivery"] = {"date": issue.isoformat(), "address": buyer["address"]}
    return data


def _correct_an_old_invoice(draw: st.DrawFn, data: dict[str, Any], issue: dt.date) -> None:
    """A credit note may correct an invoice of before 2025-08-01 at its old rate ('adjustment')."""
    if not draw(st.booleans()):
        return
    original = draw(st.dates(dt.date(2024, 1, 1), min(issue, dt.date(2025, 7, 31))))
    data["preceding_invoices"] = [{"number": draw(text(200)), "issue_date": original.isoformat()}]
    old = rates_on(original)
    for item in data["lines"] + data["allowances_charges"]:
        if item["vat_category"] == "S" and draw(st.booleans()):
            item.update(vat_rate=str(draw(st.sampled_from(old))), vat_exception="adjustment")


def _amount(el: etree._Element | None, path: str) -> Decimal:
    found = el.find(path, NS) if el is not None else None
    return Decimal(found.text) if found is not None and found.text else Decimal(0)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def assert_en16931_totals(xml: bytes) -> None:
    """BR-CO-10..16, BR-*-08/09 and BT-111 recomputed from the document itself."""
    root = etree.fromstring(xml)
    total = root.find("cac:LegalMonetaryTotal", NS)
    lines = root.findall("cac:InvoiceLine", NS) + root.findall("cac:CreditNoteLine", NS)
    groups: dict[tuple[str, str | None], Decimal] = {}
    for el in lines:
        qty = el.find("cbc:InvoicedQuantity", NS)
        qty = qty if qty is not None else el.find("cbc:CreditedQuantity", NS)
        assert qty is not None and qty.text
        net = _amount(el, "cbc:LineExtensionAmount")
        assert net == _round(Decimal(qty.text) * _amount(el, "cac:Price/cbc:PriceAmount"))
        cat = el.find("cac:Item/cac:ClassifiedTaxCategory", NS)
        key = (cat.findtext("cbc:ID", namespaces=NS), cat.findtext("cbc:Percent", namespaces=NS))
        groups[key] = groups.get(key, Decimal(0)) + net
    allowances = charges = Decimal(0)
    for el in root.findall("cac:AllowanceCharge", NS):
        amount = _amount(el, "cbc:Amount")
        charge = el.findtext("cbc:ChargeIndicator", namespaces=NS) == "true"
        charges, allowances = (charges + amount, allowances) if charge else (charges, allowances + amount)
        cat = el.find("cac:TaxCategory", NS)
        key = (cat.findtext("cbc:ID", namespaces=NS), cat.findtext("cbc:Percent", namespaces=NS))
        groups[key] = groups.get(key, Decimal(0)) + (amount if charge else -amount)
    line_sum = sum((_amount(el, "cbc:LineExtensionAmount") for el in lines), Decimal(0))
    assert _amount(total, "cbc:LineExtensionAmount") == line_sum  # BR-CO-10
    assert _amount(total, "cbc:AllowanceTotalAmount") == allowances  # BR-CO-11
    assert _amount(total, "cbc:ChargeTotalAmount") == charges  # BR-CO-12
    exclusive = line_sum - allowances + charges
    assert _amount(total, "cbc:TaxExclusiveAmount") == exclusive  # BR-CO-13
    currency = root.findtext("cbc:DocumentCurrencyCode", namespaces=NS)
    tax_totals = root.findall("cac:TaxTotal", NS)
    main = next(t for t in tax_totals if t.find("cbc:TaxAmount", NS).get("currencyID") == currency)
    subtotals = main.findall("cac:TaxSubtotal", NS)
    assert len(subtotals) == len(groups)
    for sub in subtotals:
        cat = sub.find("cac:TaxCategory", NS)
        key = (cat.findtext("cbc:ID", namespaces=NS), cat.findtext("cbc:Percent", namespaces=NS))
        assert _amount(sub, "cbc:TaxableAmount") == groups[key]  # BR-S-08 and siblings
        assert _amount(sub, "cbc:TaxAmount") == _round(groups[key] * Decimal(key[1] or 0) / 100)  # BR-S-09
    tax = sum((_amount(s, "cbc:TaxAmount") for s in subtotals), Decimal(0))
    assert _amount(main, "cbc:TaxAmount") == tax  # BR-CO-14
    assert _amount(total, "cbc:TaxInclusiveAmount") == exclusive + tax  # BR-CO-15
    assert _amount(total, "cbc:PayableAmount") == exclusive + tax  # BR-CO-16 (nothing prepaid, no rounding)
    note = next((n.text for n in root.findall("cbc:Note", NS) if (n.text or "").startswith("Curs de schimb")), None)
    if currency != "RON" and note is not None:  # BT-111 = BT-110 x the exchange rate the note records
        rate = Decimal(note.split("= ")[1].split(" ")[0])
        ron = next(t for t in tax_totals if t.find("cbc:TaxAmount", NS).get("currencyID") == "RON")
        assert _amount(ron, "cbc:TaxAmount") == _round(tax * rate)


@pytest.mark.timeout(120 + 3 * settings().max_examples)  # the slow profile runs far more examples
@given(invoices())
def test_random_legal_invoices_pass_the_official_validators(validator: InvoiceValidator, data: dict[str, Any]) -> None:
    invoice = Invoice.model_validate(data)  # legal by construction: the model must accept it
    xml = build_ubl(invoice)
    report = validator.validate(xml)
    assert report.errors == [], [(f.rule, f.message[:200]) for f in report.errors]
    assert_en16931_totals(xml)
    if invoice.tax_exchange_rate is not None:
        assert invoice.totals().tax_in_ron == _round(invoice.totals().tax * invoice.tax_exchange_rate)
