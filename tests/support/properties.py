"""Hypothesis strategies for legal fiscal documents: e-Transport declarations and SAF-T ledgers balanced by construction.

Example counts are bounded (``bounded(n)``) so the suite stays fast; ``WORKERS_CORE_PROPERTY_PROFILE=slow``
multiplies them by 25 for a longer search.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from anaf_core.cui import cui_check_digit

__all__ = ["bounded", "etransport_declarations", "ro_cuis", "saft_ledgers", "texts"]

_SLOW = os.environ.get("WORKERS_CORE_PROPERTY_PROFILE") == "slow"


def bounded(examples: int) -> settings:
    """``examples`` examples (25 times more under the slow profile), no deadline: XSD and Schematron runs are slow."""
    return settings(
        max_examples=examples * 25 if _SLOW else examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


def texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Printable text with Romanian diacritics and XML-special characters, never blank at the ends."""
    alphabet = st.sampled_from("ABCMZabcmz0123456789ĂÂÎȘȚăâîșț-.,/&<>\"' ")
    return st.text(alphabet, min_size=min_size, max_size=max_size).map(str.strip).filter(lambda s: len(s) >= min_size)


@st.composite
def ro_cuis(draw: st.DrawFn) -> str:
    """A Romanian CUI with a correct check digit and no leading zero (2-10 digits)."""
    body = str(draw(st.integers(1, 999_999_999)))
    return body + str(cui_check_digit(body))


_money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
_plates = st.from_regex(r"\A[A-Z]{1,2}[0-9]{2,3}[A-Z]{3}\Z")


@st.composite
def _goods(draw: st.DrawFn, purposes: list[str]) -> dict[str, Any]:
    net = draw(_money)
    return {
        "purpose_code": draw(st.sampled_from(purposes)),
        "tariff_code": draw(st.from_regex(r"\A([0-9]{4}|[0-9]{6}|[0-9]{8})\Z")),
        "name": draw(texts(1, 200)),
        "quantity": str(draw(_money)),
        "unit_code": draw(st.sampled_from(["KGM", "H87", "LTR", "MTR", "TNE", "SET"])),
        "net_weight_kg": str(net),
        "gross_weight_kg": str(net + draw(st.decimals(min_value=0, max_value=1000, places=2))),
        "value_ron": str(draw(_money)),
    }


def _location(draw: st.DrawFn) -> dict[str, Any]:
    county = draw(st.sampled_from([str(i) for i in range(1, 41)] + ["51", "52"]))
    return {"location": {"county_code": county, "locality": draw(texts(2, 100)), "street": draw(texts(2, 100))}}


#: operation -> (partner countries, purposes, start at a border point?, end at a border point?)
_OPERATIONS: dict[str, tuple[list[str], list[str], bool, bool]] = {
    "30": (["RO"], ["101", "704", "705", "9901"], False, False),
    "10": (["DE", "HU", "BG", "EL", "IT"], ["101", "201", "301", "9901"], True, False),
    "20": (["DE", "HU", "BG", "FR", "AT"], ["101", "301", "9901"], False, True),
}


@st.composite
def etransport_declarations(draw: st.DrawFn) -> dict[str, Any]:
    """A legal notification (domestic, intra-EU acquisition or delivery) whose Romanian codes are real CUIs."""
    op = draw(st.sampled_from(sorted(_OPERATIONS)))
    countries, purposes, starts_at_border, ends_at_border = _OPERATIONS[op]
    country = draw(st.sampled_from(countries))
    partner_code = (
        draw(st.one_of(ro_cuis(), st.just("PF"))) if country == "RO" else country + draw(st.from_regex(r"\A[0-9]{9}\Z"))
    )
    day = draw(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)))
    carrier_ro = draw(st.booleans())
    return {
        "declarant_code": draw(ro_cuis()),
        "declarant_ref": draw(st.none() | texts(1, 50)),
        "document": {
            "kind": "notificare",
            "operation_type": op,
            "goods": draw(st.lists(_goods(purposes), min_size=1, max_size=4)),
            "partner": {"country_code": country, "code": partner_code, "name": draw(texts(1, 200))},
            "transport": {
                "vehicle_no": draw(_plates),
                "carrier_country": "RO" if carrier_ro else ("DE" if country == "RO" else country),
                "carrier_code": draw(ro_cuis()) if carrier_ro else None,
                "carrier_name": draw(texts(1, 200)),
                "transport_date": day.isoformat(),
            },
            "start": {"border_point": draw(st.integers(1, 38))} if starts_at_border else _location(draw),
            "end": {"border_point": draw(st.integers(1, 38))} if ends_at_border else _location(draw),
            "documents": [
                {
                    "type_code": draw(st.sampled_from(["10", "20", "30"])),
                    "number": draw(texts(1, 50)),
                    "date": day.isoformat(),
                }
            ],
        },
    }


_VAT = Decimal("0.19")


def _posting(kind: str, tx: str, day: str, partner: str, amount: Decimal) -> list[dict[str, Any]]:
    """The ledger lines of one sale, purchase, receipt or disbursement (VAT at 19%, tax code 310309)."""
    base = (amount / (1 + _VAT)).quantize(Decimal("0.01"))
    customer, supplier = (partner, "0") if kind in {"sale", "receipt"} else ("0", partner)
    lines = {
        "sale": [("4111", amount, 0, True), ("707", 0, base, True), ("4427", 0, amount - base, False)],
        "purchase": [("371", base, 0, True), ("4426", amount - base, 0, False), ("401", 0, amount, True)],
        "receipt": [("5121", amount, 0, False), ("4111", 0, amount, False)],
        "disbursement": [("401", amount, 0, False), ("5121", 0, amount, False)],
    }[kind]
    journal = {"sale": "VZ", "purchase": "CMP"}.get(kind, "BNC")
    return [
        {
            "journal_id": journal,
            "transaction_id": tx,
            "transaction_date": day,
            "record_id": f"{tx}.{n}",
            "account_id": acc,
            "customer_id": customer,
            "supplier_id": supplier,
            "debit": str(d),
            "credit": str(c),
            "tax_type": "300" if taxed and acc in {"707", "371"} else "000",
            "tax_code": "310309" if taxed and acc in {"707", "371"} else "000000",
            "tax_amount": str(amount - base) if taxed and acc in {"707", "371"} else "0",
        }
        for n, (acc, d, c, taxed) in enumerate(lines, 1)
    ]


def _document(kind: str, tx: str, day: str, partner: str, amount: Decimal) -> tuple[str, dict[str, Any]]:
    """The source document of one posting: (kind of document, its single row)."""
    base = (amount / (1 + _VAT)).quantize(Decimal("0.01"))
    if kind in {"sale", "purchase"}:
        sales = kind == "sale"
        return ("sales_invoices" if sales else "purchase_invoices"), {
            "invoice_no": f"F-{tx}",
            "invoice_date": day,
            "party_id": partner,
            "account_id": "4111" if sales else "401",
            "transaction_id": tx,
            "net_total": str(base),
            "gross_total": str(amount),
            "line_account_id": "707" if sales else "371",
            "description": "Marfa",
            "quantity": "1",
            "uom": "H87",
            "unit_price": str(base),
            "amount": str(base),
            "tax_type": "300",
            "tax_code": "310309",
            "tax_percentage": "19",
            "tax_amount": str(amount - base),
        }
    receipt = kind == "receipt"
    return "payments", {
        "payment_ref": f"P-{tx}",
        "payment_date": day,
        "payment_method": "OP",
        "transaction_id": tx,
        "account_id": "4111" if receipt else "401",
        "customer_id": partner if receipt else "0",
        "supplier_id": "0" if receipt else partner,
        "debit": "0" if receipt else str(amount),
        "credit": str(amount) if receipt else "0",
    }


def _balance(opening: Decimal, moved: Decimal) -> dict[str, str]:
    closing = opening + moved
    return {
        "opening_debit": str(max(opening, Decimal(0))),
        "opening_credit": str(max(-opening, Decimal(0))),
        "closing_debit": str(max(closing, Decimal(0))),
        "closing_credit": str(max(-closing, Decimal(0))),
    }


_ACCOUNTS = [
    ("1012", "Pasiv"),
    ("5121", "Activ"),
    ("4111", "Bifunctional"),
    ("401", "Bifunctional"),
    ("371", "Activ"),
    ("4426", "Activ"),
    ("4427", "Pasiv"),
    ("707", "Pasiv"),
]


@st.composite
def saft_ledgers(draw: st.DrawFn) -> tuple[tuple[int, int], dict[str, list[dict[str, Any]]]]:
    """((year, month), rows per kind): a month of sales, purchases, receipts and disbursements with their
    invoices and payments, opening balances that balance, closings rolled forward from the movements."""
    year, month = draw(st.sampled_from([(2023, 1), (2024, 2), (2024, 12), (2025, 7)]))
    customers = [f"C{i}" for i in range(draw(st.integers(1, 4)))]
    suppliers = [f"S{i}" for i in range(draw(st.integers(1, 3)))]
    openings = {p: draw(_money) for p in customers} | {p: -draw(_money) for p in suppliers}
    events = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["sale", "purchase", "receipt", "disbursement"]),
                st.integers(1, 28),
                st.integers(0, 3),
                _money,
            ),
            min_size=1,
            max_size=25,
        )
    )
    order = {"sale": 0, "purchase": 1, "receipt": 2, "disbursement": 2}  # lines grouped by journal
    data: dict[str, list[dict[str, Any]]] = {"lines": [], "sales_invoices": [], "purchase_invoices": [], "payments": []}
    moves: dict[str, Decimal] = {}
    for n, (kind, day, who, amount) in enumerate(sorted(events, key=lambda e: order[e[0]])):
        party = customers if kind in {"sale", "receipt"} else suppliers
        partner, date = party[who % len(party)], dt.date(year, month, day).isoformat()
        for line in _posting(kind, f"T{n}", date, partner, amount):
            data["lines"].append(line)
            moved = Decimal(line["debit"]) - Decimal(line["credit"])
            moves[line["account_id"]] = moves.get(line["account_id"], Decimal(0)) + moved
            if line["account_id"] in {"4111", "401"}:
                moves[partner] = moves.get(partner, Decimal(0)) + moved
        doc_kind, row = _document(kind, f"T{n}", date, partner, amount)
        data[doc_kind].append(row)
    stock, bank = draw(_money), draw(_money)
    opening = {
        "5121": bank,
        "371": stock,
        "4111": sum((openings[c] for c in customers), Decimal(0)),
        "401": sum((openings[s] for s in suppliers), Decimal(0)),
    }
    opening["1012"] = -sum(opening.values(), Decimal(0))
    data["accounts"] = [
        {
            "account_id": a,
            "description": f"Cont {a}",
            "account_type": t,
            **_balance(opening.get(a, Decimal(0)), moves.get(a, Decimal(0))),
        }
        for a, t in _ACCOUNTS
    ]
    for kind, ids, account in (("customers", customers, "4111"), ("suppliers", suppliers, "401")):
        data[kind] = [
            {
                "party_id": p,
                "registration_number": "00" + draw(ro_cuis()),
                "name": draw(texts(1, 70)),
                "city": "Cluj-Napoca",
                "account_id": account,
                **_balance(openings[p], moves.get(p, Decimal(0))),
            }
            for p in ids
        ]
    data["tax_codes"] = [{"tax_type": "300", "tax_code": "310309", "description": "TVA 19%", "percentage": "19"}]
    data["uom"] = [{"code": "H87", "description": "Bucata"}]
    return (year, month), data
