"""Property: any invoice the model accepts becomes UBL with zero fatal XSD / CIUS-RO findings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from anaf_core import cui_check_digit
from anaf_core.vat import period_on
from anaf_efactura.invoice import BUCHAREST_SECTORS, RO_COUNTIES, Invoice
from anaf_efactura.ubl import build_ubl
from anaf_efactura.validation import InvoiceValidator

CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), blacklist_characters="\ufffe\uffff")


def text(max_size: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(CHARS, min_size=1, max_size=max_size),
        st.text(st.sampled_from("AĂÂÎȘȚaăâîșț -.,/&<>\"'0123456789"), min_size=max_size - 2, max_size=max_size),
    ).filter(lambda s: s.strip() != "")


@st.composite
def ro_cui(draw: st.DrawFn) -> str:
    body = str(draw(st.integers(10, 999_999_999)))
    return body + str(cui_check_digit(body))


@st.composite
def ro_address(draw: st.DrawFn) -> dict[str, Any]:
    county = draw(st.sampled_from(sorted(RO_COUNTIES)))
    city = draw(st.sampled_from(BUCHAREST_SECTORS)) if county == "RO-B" else draw(text(50))
    return {
        "street": draw(text(150)),
        "city": city,
        "county": county,
        "country": "RO",
        "postal_code": draw(st.none() | st.from_regex(r"[0-9]{6}", fullmatch=True)),
        "additional_street": draw(st.none() | text(100)),
    }


@st.composite
def eu_address(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "street": draw(text(150)),
        "city": draw(text(50)),
        "country": draw(st.sampled_from(["DE", "FR", "HU", "BG", "IT", "AT"])),
        "county": draw(st.sampled_from(["BY", "IDF", "PEST", "SOF", "RM", "W"])),
    }


@st.composite
def party(draw: st.DrawFn, *, vat: bool, foreign: bool = False) -> dict[str, Any]:
    address = draw(eu_address()) if foreign else draw(ro_address())
    vat_id = None
    if vat:
        vat_id = (
            f"{address['country']}{draw(st.from_regex(r'[0-9]{9}', fullmatch=True))}"
            if foreign
            else f"RO{draw(ro_cui())}"
        )
    out: dict[str, Any] = {
        "name": draw(text(200)),
        "vat_id": vat_id,
        "address": address,
        "legal_id": draw(text(200)) if (not vat or draw(st.booleans())) else None,
    }
    if draw(st.booleans()):
        out["contact"] = {
            "name": draw(st.none() | text(100)),
            "phone": draw(st.none() | st.just("+40 744 000 000")),
            "email": draw(st.none() | st.just("office@example.ro")),
        }
    if draw(st.booleans()):
        out["legal_form"] = draw(text(1000))
    return out


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.999999"), places=6, allow_nan=False)
quantity = st.decimals(
    min_value=Decimal("-999.999"), max_value=Decimal("9999.999999"), places=6, allow_nan=False
).filter(lambda q: q != 0)


@st.composite
def line(draw: st.DrawFn, categories: list[str], rates: tuple[Decimal, ...]) -> dict[str, Any]:
    category = draw(st.sampled_from(categories))
    rate = {"S": str(draw(st.sampled_from(rates))), "O": None}.get(category, "0")
    out = {
        "name": draw(text(100)),
        "quantity": str(draw(quantity)),
        "unit_price": str(draw(money)),
        "unit_code": draw(st.sampled_from(["H87", "C62", "KGM", "HUR", "MTR", "LTR", "DAY", "MON", "SET", "XPP"])),
        "vat_category": category,
        "vat_rate": rate,
    }
    if draw(st.booleans()):
        out["description"] = draw(text(200))
    if draw(st.booleans()):
        out["note"] = draw(text(300))
    if draw(st.booleans()):
        out["attributes"] = draw(st.lists(st.fixed_dictionaries({"name": text(50), "value": text(100)}), max_size=3))
    return out


def rates_on(day: dt.date) -> tuple[Decimal, ...]:
    period = period_on(day)
    assert period is not None
    return period.rates


@st.composite
def invoices(draw: st.DrawFn) -> dict[str, Any]:
    regime = draw(st.sampled_from(["domestic", "domestic", "intra_eu", "not_subject", "export"]))
    issue = draw(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)))
    if regime == "intra_eu":
        seller, buyer, categories = draw(party(vat=True)), draw(party(vat=True, foreign=True)), ["K"]
    elif regime == "not_subject":
        seller, buyer, categories = draw(party(vat=False)), draw(party(vat=False)), ["O"]
    elif regime == "export":
        seller, buyer, categories = draw(party(vat=True)), draw(party(vat=False, foreign=True)), ["G", "E"]
    else:
        seller, buyer, categories = (
            draw(party(vat=True)),
            draw(party(vat=draw(st.booleans()))),
            ["S", "S", "Z", "E", "AE"],
        )
    currency = draw(st.sampled_from(["RON", "RON", "EUR", "USD"]))
    data: dict[str, Any] = {
        "document_type": draw(st.sampled_from(["invoice", "invoice", "credit_note"])),
        "number": draw(text(198)) + draw(st.from_regex(r"[0-9]{1,2}", fullmatch=True)),
        "issue_date": issue.isoformat(),
        "due_date": (issue + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat() if draw(st.booleans()) else None,
        "payment_terms": draw(st.none() | text(300)),
        "currency": currency,
        "tax_exchange_rate": None
        if currency == "RON"
        else str(draw(st.decimals(Decimal("0.1"), Decimal("10"), places=4))),
        "notes": draw(st.lists(text(300), max_size=3)),
        "seller": seller,
        "buyer": buyer,
        "lines": draw(st.lists(line(categories, rates_on(issue)), min_size=1, max_size=5)),
        "vat_point_code": draw(st.none() | st.sampled_from(["3", "35", "432"])),
        "order_reference": draw(st.none() | text(200)),
        "buyer_reference": draw(st.none() | text(200)),
    }
    if draw(st.booleans()):
        data["payment"] = {
            "means_code": "30",
            "iban": "RO49AAAA1B31007593840000",
            "payment_id": draw(st.none() | text(140)),
        }
    if regime == "intra_eu":
        data["delivery"] = {"date": issue.isoformat(), "address": buyer["address"]}
    if data["document_type"] == "credit_note" and draw(st.booleans()):
        data["preceding_invoices"] = [{"number": draw(text(200)), "issue_date": issue.isoformat()}]
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(invoices())
def test_any_valid_model_has_no_fatal_findings(validator: InvoiceValidator, data: dict[str, Any]) -> None:
    try:
        invoice = Invoice.model_validate(data)
    except ValidationError:
        assume(False)
        return
    report = validator.validate(build_ubl(invoice))
    assert report.errors == [], [(f.rule, f.message[:200]) for f in report.errors]
