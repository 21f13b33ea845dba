"""REGES Online payloads: employee (``Salariat``) and contract operations, submit/drain requests and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "ContractContent",
    "ContractMessage",
    "EmployeeInfo",
    "EmployeeMessage",
    "RegesDrainRequest",
    "RegesSubmitRequest",
    "RegesSubmitResult",
    "Termination",
    "WorkingTime",
]

Guid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
Text256 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
Cnp = Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")]

EMPLOYEE_OPERATIONS = ("InregistrareSalariat", "ModificareSalariat", "CorectieSalariat", "RadiereSalariat")
CONTENT_OPERATIONS = ("AdaugareContract", "ModificareContract", "CorectieContract")
CONTRACT_OPERATIONS = (*CONTENT_OPERATIONS, "IncetareContract", "RadiereContract")


def cnp_problem(cnp: str) -> str | None:
    """Romanian CNP control digit (key 279146358279)."""
    key = "279146358279"
    total = sum(int(a) * int(b) for a, b in zip(cnp[:12], key, strict=True))
    control = total % 11
    control = 1 if control == 10 else control
    return None if control == int(cnp[12]) else f"CNP control digit must be {control}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmployeeInfo(_Model):
    """``Info`` of a ``Salariat``."""

    cnp: Cnp = Field(description="Cnp (13 digits, control digit verified)")
    last_name: Text256 = Field(description="Nume")
    first_name: Text256 = Field(description="Prenume")
    address: Text256 = Field(description="Adresa")
    locality_siruta: int | None = Field(default=None, ge=1, description="Localitate/CodSiruta")
    nationality: Text256 = Field(default="ROMÂNIA", description="Nationalitate/Nume")
    country_of_residence: Text256 = Field(default="ROMÂNIA", description="TaraDomiciliu/Nume")
    id_document_type: Literal[
        "CarteIdentitate", "Pasaport", "BuletinIdentitate", "Alt", "CarteDeRezidenta", "PermisDeSedere",
        "AltActIdentitateRomanesc", "AltApatridTolerat", "NIF", "CertificatInregistrare",
    ] = Field(default="CarteIdentitate", description="TipActIdentitate")
    birth_date: dt.date | None = Field(default=None, description="DataNastere")
    notes: Text256 | None = Field(default=None, description="Mentiuni")

    @model_validator(mode="after")
    def _cnp(self) -> EmployeeInfo:
        problem = cnp_problem(self.cnp)
        if problem:
            raise ValueError(problem)
        return self


class EmployeeMessage(_Model):
    """A ``Salariat`` message."""

    type: Literal["Salariat"] = "Salariat"
    operation: Literal["InregistrareSalariat", "ModificareSalariat", "CorectieSalariat", "RadiereSalariat"]
    employee_ref: Guid | None = Field(default=None, description="ReferintaSalariat/Id (REGES id; not for InregistrareSalariat)")
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

    norm: Literal["NormaIntreaga840", "NormaIntreaga630", "NormaIntreagaLegiSpeciale", "TimpPartial", "TimpOUG132"] = "NormaIntreaga840"
    repartition: Literal["OreDeZi", "OreDeNoapte", "Inegal", "OreInRepaos", "OreZiSiRepaos", "OreNoapteSiRepaos", "OreZiNoapteSiRepaos"] = "OreDeZi"
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
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = Field(description="NumarContract")
    salary: int = Field(ge=0, description="Salariu (RON, whole)")
    working_time: WorkingTime = Field(default_factory=WorkingTime)
    contract_type: Literal[
        "ContractIndividualMunca", "ContractUcenicie", "ContractMuncaLaDomiciliu", "ContractMuncaTemporara",
        "ContractIndividualMuncaClauzaTelemunca", "ContractIndividualMuncaPlataCuOra",
    ] = "ContractIndividualMunca"
    duration_type: Literal["Nedeterminata", "Determinata"] = "Nedeterminata"
    norm_type: Literal["NormaIntreaga", "TimpPartial", "NormaOUG132"] = "NormaIntreaga"
    workplace_county: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}$")] | None = Field(default=None, description="JudetLocMunca")

    @model_validator(mode="after")
    def _dates(self) -> ContractContent:
        if self.start_date < self.contract_date:
            raise ValueError("start_date cannot precede contract_date")
        if (self.duration_type == "Determinata") != (self.end_date is not None):
            raise ValueError("end_date is required for, and only for, fixed-term (Determinata) contracts")
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date cannot precede start_date")
        return self


class Termination(_Model):
    """``Actiune xsi:type=ActiuneIncetare``."""

    date: dt.date = Field(description="DataIncetare")
    legal_basis: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2,40}$")] = Field(description="TemeiLegal, e.g. Art55LitB")
    explanation: Text256 | None = Field(default=None, description="Explicatie")


class ContractMessage(_Model):
    """A ``Contract`` message."""

    type: Literal["Contract"] = "Contract"
    operation: Literal["AdaugareContract", "ModificareContract", "CorectieContract", "IncetareContract", "RadiereContract"]
    contract_ref: Guid | None = Field(default=None, description="ReferintaContract/Id (not for AdaugareContract)")
    content: ContractContent | None = None
    termination: Termination | None = None
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
        if op == "RadiereContract" and not self.removal_reason:
            raise ValueError("removal_reason is required for RadiereContract")
        return self


class RegesSubmitRequest(_Model):
    """``reges.submit`` payload: one message for one employer register (API credentials per CUI)."""

    employer_cui: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{1,9}$")]
    message: Annotated[EmployeeMessage | ContractMessage, Field(discriminator="type")]
    message_id: Guid | None = Field(
        default=None, description="Header/MessageId (GUID); default: derived from the task id, so retries reuse it"
    )
    format: Literal["xml", "json"] = "xml"


class RegesDrainRequest(_Model):
    """``reges.drain`` payload (beat): how many results to read per batch, and how many batches at most."""

    batch: int = Field(default=50, ge=1, le=500)
    max_batches: int = Field(default=20, ge=1, le=1000)


class RegesSubmitResult(BaseModel):
    message_id: str
    response_id: str
    operation: str
    employer_cui: str
    state: str
    duplicate: bool = False
    result: dict[str, Any] | None = None
