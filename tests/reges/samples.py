"""Sample REGES messages (every supported operation) for tests."""

from __future__ import annotations

from typing import Any

EMP_REF = "abc29c38-2e14-42a4-8ef7-6ddceffc312f"
CONTRACT_REF = "0c2e8adf-44dc-4a41-b1e5-3c4013f306ac"
INFO = {
    "cnp": "1960529460012",
    "last_name": "POPESCU",
    "first_name": "ION",
    "address": "STR. SALARIATULUI, NR. 1",
    "locality_siruta": 179141,
    "birth_date": "1996-05-29",
}
CONTENT = {
    "employee_ref": EMP_REF,
    "cor_code": 251204,
    "contract_date": "2026-03-01",
    "start_date": "2026-03-02",
    "number": "9022",
    "salary": 4500,
    "working_time": {"norm": "NormaIntreaga840", "hours": 8, "interval": "OrePeZi"},
}

ALL: dict[str, dict[str, Any]] = {
    "InregistrareSalariat": {"type": "Salariat", "operation": "InregistrareSalariat", "info": INFO},
    "ModificareSalariat": {
        "type": "Salariat",
        "operation": "ModificareSalariat",
        "employee_ref": EMP_REF,
        "info": {**INFO, "address": "STR. NOUA 2"},
    },
    "RadiereSalariat": {
        "type": "Salariat",
        "operation": "RadiereSalariat",
        "employee_ref": EMP_REF,
        "info": INFO,
        "removal_reason": "inregistrat din greseala",
    },
    "AdaugareContract": {"type": "Contract", "operation": "AdaugareContract", "content": CONTENT},
    "AdaugareContractDeterminata": {
        "type": "Contract",
        "operation": "AdaugareContract",
        "content": {**CONTENT, "duration_type": "Determinata", "end_date": "2026-12-31"},
    },
    "ModificareContract": {
        "type": "Contract",
        "operation": "ModificareContract",
        "contract_ref": CONTRACT_REF,
        "content": {**CONTENT, "salary": 5000},
    },
    "IncetareContract": {
        "type": "Contract",
        "operation": "IncetareContract",
        "contract_ref": CONTRACT_REF,
        "termination": {"date": "2026-09-20", "legal_basis": "Art55LitB", "explanation": "acordul partilor"},
    },
    "RadiereContract": {
        "type": "Contract",
        "operation": "RadiereContract",
        "contract_ref": CONTRACT_REF,
        "removal_reason": "duplicat",
    },
}

SUSPENSION = {
    "start_date": "2026-09-20",
    "end_date": "2026-09-27",
    "legal_basis": "Art54",
    "explanation": "SUSPENDARE CONFORM Art54",
}
SECONDMENT = {
    "type": "PropunereDetasareContract",
    "contract_ref": CONTRACT_REF,
    "content": CONTENT,
    "legal_basis": "CodulMuncii",
    "host_employer_cui": "RO14399840",
    "host_employer_name": "GAZDA SRL",
    "start_date": "2026-10-01",
    "end_date": "2026-12-31",
    "proposal_number": "PD1234",
    "proposal_date": "2026-09-15",
    "notes": "detasat 3 luni",
}
TRANSFER = {
    "type": "PropunereMutareContract",
    "contract_ref": CONTRACT_REF,
    "content": CONTENT,
    "transfer_type": "TransferIndividual",
    "target_employer_cui": "14399840",
    "target_employer_name": "NOUL ANGAJATOR SRL",
    "start_date": "2026-11-01",
    "proposal_number": "PT1234",
    "proposal_date": "2026-10-15",
}

ALL.update(
    {
        "SuspendareContract": {
            "type": "Contract",
            "operation": "SuspendareContract",
            "contract_ref": CONTRACT_REF,
            "suspension": SUSPENSION,
        },
        "SuspendareContractFaraSfarsit": {
            "type": "Contract",
            "operation": "SuspendareContract",
            "contract_ref": CONTRACT_REF,
            "suspension": {"start_date": "2026-09-20", "legal_basis": "Art51Alin1LiteraA"},
        },
        "ModificareSuspendareContract": {
            "type": "Contract",
            "operation": "ModificareSuspendareContract",
            "contract_ref": CONTRACT_REF,
            "suspension": {**SUSPENSION, "end_date": "2026-10-04"},
        },
        "CorectieSuspendareContract": {
            "type": "Contract",
            "operation": "CorectieSuspendareContract",
            "contract_ref": CONTRACT_REF,
            "suspension": {**SUSPENSION, "legal_basis": "Art52Alin1LiteraA"},
        },
        "IncetareSuspendareContract": {
            "type": "Contract",
            "operation": "IncetareSuspendareContract",
            "contract_ref": CONTRACT_REF,
            "suspension": {"start_date": "2026-09-20", "ended_on": "2026-09-25", "legal_basis": "Art54"},
        },
        "PropunereDetasareContract": SECONDMENT,
        "PropunereDetasareContractTransnationala": {
            **SECONDMENT,
            "legal_basis": "Transnationala",
            "host_employer_cui": "DE129273398",
            "host_employer_name": "SAP AG",
            "host_country": "GERMANIA",
        },
        "PropunereMutareContract": TRANSFER,
        "PropunereMutareContractIntreprindere": {
            **TRANSFER,
            "transfer_type": "TransferDeIntreprindere",
            "target_employer_ref": "10d3f120-9b93-46a1-9a6f-c814eab73671",
            "source_employer_name": "VECHIUL ANGAJATOR SRL",
        },
    }
)

PROPOSAL_REF = "05fafcb0-8d51-4293-8732-2724cc330290"
#: the contract as it will be at the receiving employer (its employee there)
HOST_CONTENT = {
    **CONTENT,
    "employee_ref": "beee0a8b-4dca-41bc-906c-e79627452b1e",
    "contract_date": "2026-10-01",
    "start_date": "2026-10-01",
    "number": "D-17",
}
EXTENSION = {
    "type": "Contract",
    "operation": "PrelungireDetasareContract",
    "contract_ref": CONTRACT_REF,
    "legal_basis": "CodulMuncii",
    "host_employer_cui": "RO14399840",
    "host_employer_name": "GAZDA SRL",
    "cor_code": 251204,
    "start_date": "2026-10-01",
    "current_end_date": "2026-12-31",
    "end_date": "2027-03-31",
}

LIFECYCLE: dict[str, dict[str, Any]] = {
    "AcceptarePropunereDetasareContract": {
        "type": "PropunereDetasareContract",
        "operation": "AcceptarePropunereDetasareContract",
        "proposal_ref": PROPOSAL_REF,
        "contract_ref": CONTRACT_REF,
        "content": HOST_CONTENT,
        "notes": "Receptionat",
    },
    "RespingerePropunereDetasareContract": {
        "type": "PropunereDetasareContract",
        "operation": "RespingerePropunereDetasareContract",
        "proposal_ref": PROPOSAL_REF,
        "notes": "Multumim, nu primim",
    },
    "AcceptarePropunereMutareContract": {
        "type": "PropunereMutareContract",
        "operation": "AcceptarePropunereMutareContract",
        "proposal_ref": PROPOSAL_REF,
        "contract_ref": CONTRACT_REF,
        "content": HOST_CONTENT,
    },
    "RespingerePropunereMutareContract": {
        "type": "PropunereMutareContract",
        "operation": "RespingerePropunereMutareContract",
        "proposal_ref": PROPOSAL_REF,
    },
    "RadierePropunereDetasareContract": {
        "type": "PropunereDetasareContract",
        "operation": "RadierePropunereDetasareContract",
        "proposal_ref": PROPOSAL_REF,
    },
    "RadierePropunereMutareContract": {
        "type": "PropunereMutareContract",
        "operation": "RadierePropunereMutareContract",
        "proposal_ref": PROPOSAL_REF,
    },
    "PrelungireDetasareContract": EXTENSION,
}
ALL.update(LIFECYCLE)
