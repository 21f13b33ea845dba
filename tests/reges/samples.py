"""Sample REGES messages (every supported operation) for tests."""

from __future__ import annotations

from typing import Any

EMP_REF = "abc29c38-2e14-42a4-8ef7-6ddceffc312f"
CONTRACT_REF = "0c2e8adf-44dc-4a41-b1e5-3c4013f306ac"
INFO = {"cnp": "1960529460012", "last_name": "POPESCU", "first_name": "ION", "address": "STR. SALARIATULUI, NR. 1",
        "locality_siruta": 179141, "birth_date": "1996-05-29"}
CONTENT = {"employee_ref": EMP_REF, "cor_code": 251204, "contract_date": "2026-03-01", "start_date": "2026-03-02",
           "number": "9022", "salary": 4500, "working_time": {"norm": "NormaIntreaga840", "hours": 8, "interval": "OrePeZi"}}

ALL: dict[str, dict[str, Any]] = {
    "InregistrareSalariat": {"type": "Salariat", "operation": "InregistrareSalariat", "info": INFO},
    "ModificareSalariat": {"type": "Salariat", "operation": "ModificareSalariat", "employee_ref": EMP_REF,
                           "info": {**INFO, "address": "STR. NOUA 2"}},
    "RadiereSalariat": {"type": "Salariat", "operation": "RadiereSalariat", "employee_ref": EMP_REF, "info": INFO,
                        "removal_reason": "inregistrat din greseala"},
    "AdaugareContract": {"type": "Contract", "operation": "AdaugareContract", "content": CONTENT},
    "AdaugareContractDeterminata": {"type": "Contract", "operation": "AdaugareContract",
                                    "content": {**CONTENT, "duration_type": "Determinata", "end_date": "2026-12-31"}},
    "ModificareContract": {"type": "Contract", "operation": "ModificareContract", "contract_ref": CONTRACT_REF,
                           "content": {**CONTENT, "salary": 5000}},
    "IncetareContract": {"type": "Contract", "operation": "IncetareContract", "contract_ref": CONTRACT_REF,
                         "termination": {"date": "2026-09-20", "legal_basis": "Art55LitB", "explanation": "acordul partilor"}},
    "RadiereContract": {"type": "Contract", "operation": "RadiereContract", "contract_ref": CONTRACT_REF,
                        "removal_reason": "duplicat"},
}
