"""REGES Online payload building blocks: field types, operations, the employee and contract messages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from reges.cnp import Sex, cnp_contradictions, parse_cnp
from reges.minwage import minimum_wage_problem

Guid = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
]
Text256 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=256, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"),
]
Text1024 = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=1024, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
    ),
]
Cnp = Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")]
EmployerId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=256, pattern=r"^[A-Za-z0-9 .\-/]+$")
]
ROMANIA = "ROMÂNIA"

EMPLOYEE_OPERATIONS = ("InregistrareSalariat", "ModificareSalariat", "CorectieSalariat", "RadiereSalariat")
CONTENT_OPERATIONS = ("AdaugareContract", "ModificareContract", "CorectieContract")
SUSPENSION_OPERATIONS = (
    "SuspendareContract",
    "ModificareSuspendareContract",
    "CorectieSuspendareContract",
    "IncetareSuspendareContract",
)
CONTRACT_OPERATIONS = (*CONTENT_OPERATIONS, "IncetareContract", "RadiereContract", *SUSPENSION_OPERATIONS)

#: message ``xsi:type`` -> (REGES submit endpoint, short kind kept in ``reges_submissions.kind``). The proposal
#: lifecycle shares the proposal's ``xsi:type``, hence its endpoint: Acceptare/Respingere/RadierePropunereDetasareContract
#: go to ``/api/Detasare/Propunere``, the *PropunereMutareContract ones to ``/api/Mutare/Propunere``, and
#: PrelungireDetasareContract (a ``Contract``) to ``/api/Contract`` (Postman collection).
ENDPOINTS: dict[str, tuple[str, str]] = {
    "Salariat": ("/api/Salariat", "Salariat"),
    "Contract": ("/api/Contract", "Contract"),
    "PropunereDetasareContract": ("/api/Detasare/Propunere", "Detasare"),
    "PropunereMutareContract": ("/api/Mutare/Propunere", "Mutare"),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmployeeInfo(_Model):
    """``Info`` of a ``Salariat``."""

    cnp: Cnp = Field(description="Cnp (13 digits; century, date, county and control digit verified)")
    last_name: Text256 = Field(description="Nume")
    first_name: Text256 = Field(description="Prenume")
    address: Text256 = Field(description="Adresa")
    locality_siruta: int | None = Field(default=None, ge=1, description="Localitate/CodSiruta")
    nationality: Text256 = Field(default="ROMÂNIA", description="Nationalitate/Nume")
    country_of_residence: Text256 = Field(default="ROMÂNIA", description="TaraDomiciliu/Nume")
    id_document_type: Literal[
        "CarteIdentitate",
        "Pasaport",
        "BuletinIdentitate",
        "Alt",
        "CarteDeRezidenta",
        "PermisDeSedere",
        "AltActIdentitateRomanesc",
        "AltApatridTolerat",
        "NIF",
        "CertificatInregistrare",
    ] = Field(default="CarteIdentitate", description="TipActIdentitate")
    birth_date: dt.date | None = Field(default=None, description="DataNastere (must agree with the CNP)")
    sex: Sex | None = Field(
        default=None, description="M or F: not sent (REGES has no such element), checked against the CNP"
    )
    notes: Text256 | None = Field(default=None, description="Mentiuni")

    @model_validator(mode="after")
    def _cnp(self) -> EmployeeInfo:
        contradictions = cnp_contradictions(parse_cnp(self.cnp), birth_date=self.birth_date, sex=self.sex)
        if contradictions:
            raise ValueError("; ".join(contradictions))
        return self


class EmployeeMessage(_Model):
    """A ``Salariat`` message."""

    type: Literal["Salariat"] = "Salariat"
    operation: Literal["InregistrareSalariat", "ModificareSalariat", "CorectieSalariat", "RadiereSalariat"]
    employee_ref: Guid | None = Field(
        default=None, description="ReferintaSalariat/Id (REGES id; not for InregistrareSalariat)"
    )
    info: EmployeeInfo
    removal_reason: Text256 | None = Field(default=None, description="Info/MotivRadiere (RadiereSalariat)")

    @model_validator(mode="after")
    def _ref(self) -> EmployeeMessage:
        if (self.operation == "InregistrareSalariat") == (self.employee_ref is not None):
            raise ValueError("employee_ref is required for every operation except InregistrareSalariat, and only then")
        if self.operation == "RadiereSalariat" and not self.removal_reason:
            raise ValueError("removal_reason is required for RadiereSalariat")
        return self


class WorkingTime(_Model):
    """``TimpMunca``."""

    norm: Literal["NormaIntreaga840", "NormaIntreaga630", "NormaIntreagaLegiSpeciale", "TimpPartial", "TimpOUG132"] = (
        "NormaIntreaga840"
    )
    repartition: Literal[
        "OreDeZi", "OreDeNoapte", "Inegal", "OreInRepaos", "OreZiSiRepaos", "OreNoapteSiRepaos", "OreZiNoapteSiRepaos"
    ] = "OreDeZi"
    hours: float | None = Field(default=None, gt=0, le=48, description="Durata")
    interval: Literal["OrePeZi", "OrePeSaptamana", "OrePeLuna"] | None = Field(default=None, description="IntervalTimp")


class ContractContent(_Model):
    """``Continut`` of a contract (AdaugareContract / ModificareContract / CorectieContract)."""

    employee_ref: Guid = Field(description="ReferintaSalariat/Id")
    cor_code: int = Field(ge=100000, le=999999, description="Cor/Cod (6 digits)")
    cor_version: int = Field(default=10, ge=1, description="Cor/Versiune")
    recorded_at: dt.datetime | None = Field(default=None, description="DataConsemnare (default: now)")
    contract_date: dt.date = Field(description="DataContract")
    start_date: dt.date = Field(description="DataInceputContract")
    end_date: dt.date | None = Field(default=None, description="DataSfarsitContract (fixed-term contracts)")
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = Field(
        description="NumarContract"
    )
    salary: int = Field(ge=0, description="Salariu (RON, whole)")
    working_time: WorkingTime = Field(default_factory=WorkingTime)
    contract_type: Literal[
        "ContractIndividualMunca",
        "ContractUcenicie",
        "ContractMuncaLaDomiciliu",
        "ContractMuncaTemporara",
        "ContractIndividualMuncaClauzaTelemunca",
        "ContractIndividualMuncaPlataCuOra",
    ] = "ContractIndividualMunca"
    duration_type: Literal["Nedeterminata", "Determinata"] = "Nedeterminata"
    norm_type: Literal["NormaIntreaga", "TimpPartial", "NormaOUG132"] = "NormaIntreaga"
    workplace_county: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}$")] | None = Field(
        default=None, description="JudetLocMunca"
    )

    @model_validator(mode="after")
    def _dates(self) -> ContractContent:
        if self.start_date < self.contract_date:
            raise ValueError("start_date cannot precede contract_date")
        if (self.duration_type == "Determinata") != (self.end_date is not None):
            raise ValueError("end_date is required for, and only for, fixed-term (Determinata) contracts")
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date cannot precede start_date")
        return self

    @model_validator(mode="after")
    def _minimum_wage(self) -> ContractContent:
        """Salary at least the national minimum in force on the start date (pro rata for part time).

        Not applied to hourly-paid contracts nor to the reduced time of OUG 132/2020, whose pay is not a monthly norm.
        """
        if (
            self.contract_type == "ContractIndividualMuncaPlataCuOra"
            or "OUG132" in f"{self.norm_type} {self.working_time.norm}"
        ):
            return self
        w = self.working_time
        part_time = "TimpPartial" in (self.norm_type, w.norm)
        problem = minimum_wage_problem(
            self.salary, self.start_date, part_time=part_time, hours=w.hours, interval=w.interval
        )
        if problem:
            raise ValueError(problem)
        return self


class Termination(_Model):
    """``Actiune xsi:type=ActiuneIncetare``."""

    date: dt.date = Field(description="DataIncetare")
    legal_basis: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2,40}$")] = Field(
        description="TemeiLegal, e.g. Art55LitB"
    )
    explanation: Text256 | None = Field(default=None, description="Explicatie")


SuspensionGround = Literal[
    "Art54",
    "Art50LiteraA",
    "Art50LiteraB",
    "Art50LiteraC",
    "Art50LiteraD",
    "Art50LiteraE",
    "Art50LiteraF",
    "Art50LiteraG",
    "Art50LiteraH",
    "Art50LiteraI",
    "Art51Alin1LiteraA",
    "Art51Alin1LiteraB",
    "Art51Alin1LiteraC",
    "Art51Alin1LiteraD",
    "Art51Alin1LiteraE",
    "Art51Alin1LiteraF",
    "Art51Alin1LiteraG",
    "Art51Alin1LiteraH",
    "Art51Alin2",
    "Art52Alin1LiteraA",
    "Art52Alin1LiteraB",
    "Art52Alin1LiteraC",
    "Art52Alin1LiteraC1",
    "Art52Alin1LiteraD",
    "Art52Alin1LiteraE",
    "Art52Alin1LiteraF",
    "Art52Alin3",
    "Art6Alin1",
    "Art11Alin2",
    "Art31Alin1",
    "Fara",
]


class Suspension(_Model):
    """``Actiune xsi:type=ActiuneSuspendare`` (Suspendare/ModificareSuspendare/CorectieSuspendare/IncetareSuspendareContract)."""

    start_date: dt.date = Field(description="DataInceput (start of the suspension)")
    end_date: dt.date | None = Field(
        default=None, description="DataSfarsit (planned end; not for IncetareSuspendareContract)"
    )
    ended_on: dt.date | None = Field(
        default=None, description="DataIncetareSuspendare (IncetareSuspendareContract only)"
    )
    legal_basis: SuspensionGround = Field(description="TemeiLegal, nomenclature temeisuspendare, e.g. Art54")
    explanation: Text1024 | None = Field(default=None, description="Explicatie")

    @model_validator(mode="after")
    def _dates(self) -> Suspension:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("suspension end_date cannot precede start_date")
        if self.ended_on is not None and self.ended_on < self.start_date:
            raise ValueError("suspension ended_on cannot precede start_date")
        return self


class ContractMessage(_Model):
    """A ``Contract`` message."""

    type: Literal["Contract"] = "Contract"
    operation: Literal[
        "AdaugareContract",
        "ModificareContract",
        "CorectieContract",
        "IncetareContract",
        "RadiereContract",
        "SuspendareContract",
        "ModificareSuspendareContract",
        "CorectieSuspendareContract",
        "IncetareSuspendareContract",
    ]
    contract_ref: Guid | None = Field(default=None, description="ReferintaContract/Id (not for AdaugareContract)")
    content: ContractContent | None = None
    termination: Termination | None = None
    suspension: Suspension | None = Field(default=None, description="the *SuspendareContract operations")
    removal_reason: Text256 | None = Field(default=None, description="MotivRadiere (RadiereContract)")

    @model_validator(mode="after")
    def _shape(self) -> ContractMessage:
        op = self.operation
        if (op == "AdaugareContract") == (self.contract_ref is not None):
            raise ValueError("contract_ref is required for every operation except AdaugareContract, and only then")
        if (op in CONTENT_OPERATIONS) != (self.content is not None):
            raise ValueError("content is required for Adaugare/Modificare/CorectieContract, and only then")
        if (op == "IncetareContract") != (self.termination is not None):
            raise ValueError("termination is required for IncetareContract, and only then")
        if (op in SUSPENSION_OPERATIONS) != (self.suspension is not None):
            raise ValueError("suspension is required for the *SuspendareContract operations, and only then")
        if self.suspension is not None:
            ending = op == "IncetareSuspendareContract"
            if ending != (self.suspension.ended_on is not None):
                raise ValueError("suspension.ended_on is required for IncetareSuspendareContract, and only then")
            if ending and self.suspension.end_date is not None:
                raise ValueError("suspension.end_date is not sent with IncetareSuspendareContract (use ended_on)")
        if op == "RadiereContract" and not self.removal_reason:
            raise ValueError("removal_reason is required for RadiereContract")
        return self
