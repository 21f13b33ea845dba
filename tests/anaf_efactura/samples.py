"""Sample e-Factura payloads (dicts as consumers send them) for tests and benchmarks."""

from __future__ import annotations

import copy
from typing import Any

SELLER: dict[str, Any] = {
    "name": "FURNIZOR EXEMPLU SRL",
    "vat_id": "RO4221306",
    "legal_id": "J40/1234/2010",
    "legal_form": "Capital social 200 lei",
    "address": {"street": "Str. Exemplu nr. 1", "city": "Sector 1", "county": "RO-B", "postal_code": "010101"},
    "contact": {"name": "Ion Popescu", "phone": "+40 21 000 0000", "email": "facturi@furnizor.ro"},
}
BUYER: dict[str, Any] = {
    "name": "CLIENT EXEMPLU SRL",
    "vat_id": "RO12345674",
    "legal_id": "J12/99/2015",
    "address": {"street": "Str. Clientului 2", "city": "Cluj-Napoca", "county": "RO-CJ", "postal_code": "400001"},
}


def invoice(number: str = "FCT-2026-0001", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": number,
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "notes": ["Factura emisa conform contractului 17/2026"],
        "seller": copy.deepcopy(SELLER),
        "buyer": copy.deepcopy(BUYER),
        "payment": {"means_code": "30", "iban": "RO49AAAA1B31007593840000", "payment_id": number},
        "lines": [
            {
                "name": "Servicii consultanta",
                "quantity": "2.5",
                "unit_code": "HUR",
                "unit_price": "150.555",
                "vat_category": "S",
                "vat_rate": "21",
            },
            {
                "name": "Carte tehnica",
                "description": "Editia a II-a",
                "quantity": "3",
                "unit_code": "H87",
                "unit_price": "49.99",
                "vat_category": "S",
                "vat_rate": "11",
                "attributes": [{"name": "ISBN", "value": "978-973-0-00000-0"}],
            },
        ],
    }
    data.update(overrides)
    return data


def credit_note(number: str = "CN-2026-0001") -> dict[str, Any]:
    data = invoice(
        number,
        document_type="credit_note",
        due_date=None,
        payment_terms="Compensare cu factura initiala",
        preceding_invoices=[{"number": "FCT-2026-0001", "issue_date": "2026-03-02"}],
    )
    data["lines"] = data["lines"][:1]
    return data
