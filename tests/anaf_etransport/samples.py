"""Sample e-Transport declarations (one per document kind) for tests."""

from __future__ import annotations

import copy
from typing import Any

from anaf_etransport.uit import uit_check_digits

UIT = "3V0P0L0P0T3JUW46"


def make_uit(body: str) -> str:
    return body + uit_check_digits(body)


DOMESTIC: dict[str, Any] = {
    "declarant_code": "12345674",
    "declarant_ref": "DLV-001",
    "document": {
        "kind": "notificare",
        "operation_type": "30",
        "goods": [
            {
                "purpose_code": "101",
                "tariff_code": "22030001",
                "name": "Bere",
                "quantity": "1200",
                "unit_code": "LTR",
                "net_weight_kg": "1200",
                "gross_weight_kg": "1350.5",
                "value_ron": "12000.99",
            }
        ],
        "partner": {"country_code": "RO", "code": "4221306", "name": "CLIENT SRL"},
        "transport": {
            "vehicle_no": "B123ABC",
            "carrier_country": "RO",
            "carrier_code": "12345674",
            "carrier_name": "TRANSPORT SRL",
            "transport_date": "2026-03-02",
        },
        "start": {"location": {"county_code": "40", "locality": "Sector 1", "street": "Str. A 1"}},
        "end": {"location": {"county_code": "12", "locality": "Cluj-Napoca", "street": "Str. B 2", "number": "2"}},
        "documents": [{"type_code": "30", "number": "AV-17", "date": "2026-03-02"}],
    },
}


def domestic(**doc_changes: Any) -> dict[str, Any]:
    d = copy.deepcopy(DOMESTIC)
    d["document"].update(doc_changes)
    return d


def intra_eu_acquisition() -> dict[str, Any]:
    d = domestic(
        operation_type="10",
        partner={"country_code": "DE", "code": "DE123456789", "name": "LIEFERANT GMBH"},
        start={"border_point": 7},
        previous=[{"uit": make_uit("4C0U0C0J0W3DDQ"), "notes": "first leg"}],
        documents=[{"type_code": "10", "number": "CMR-1", "date": "2026-03-01"}],
    )
    d["document"]["transport"] = {**d["document"]["transport"], "carrier_country": "DE", "carrier_code": "DE999"}
    return d


def export() -> dict[str, Any]:
    return domestic(
        operation_type="50",
        partner={"country_code": "MD", "code": "1003600012345", "name": "CLIENT MD SRL"},
        goods=[{**DOMESTIC["document"]["goods"][0], "purpose_code": "9999"}],
        end={"customs_office": "372901"},
        documents=[{"type_code": "9999", "number": "X-1", "date": "2026-03-02", "notes": "declaratie vamala"}],
    )


def correction() -> dict[str, Any]:
    return domestic(corrects_uit=UIT)


def deletion() -> dict[str, Any]:
    return {"declarant_code": "12345674", "document": {"kind": "stergere", "uit": UIT}}


def confirmation() -> dict[str, Any]:
    return {
        "declarant_code": "12345674",
        "document": {"kind": "confirmare", "uit": UIT, "confirmation_type": "20", "notes": "lipsa 2 paleti"},
    }


def vehicle_change() -> dict[str, Any]:
    return {
        "declarant_code": "1234567890128",
        "declarant_ref": "MVH-9",
        "document": {
            "kind": "modifVehicul",
            "uit": UIT,
            "vehicle_no": "CJ10XYZ",
            "trailer1": "CJ11XYZ",
            "changed_at": "2026-03-02T10:15:00+00:00",
            "notes": "defectiune",
        },
    }


ALL_KINDS = {
    "notificare": lambda: copy.deepcopy(DOMESTIC),
    "notificare-aic": intra_eu_acquisition,
    "notificare-export": export,
    "corectie": correction,
    "stergere": deletion,
    "confirmare": confirmation,
    "modifVehicul": vehicle_change,
}
