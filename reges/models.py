"""REGES Online payloads: employee (``Salariat``) and contract operations, submit/drain requests and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from anaf_core.cui import is_valid_cui, normalize_cui
from reges.cnp import Sex, cnp_contradictions, parse_cnp
from reges.minwage import minimum_wage_problem

__all__ = [
    "ENDPOINTS",
    "ContractContent",
    "ContractMessage",
    "EmployeeInfo",
    "EmployeeMessage",
    "IncomingProposal",
    "ProposalAnswer",
    "ProposalWithdrawal",
    "RegesDrainRequest",
    "RegesProposalsRequest",
    "RegesProposalsResult",
    "RegesSubmitRequest",
    "RegesSubmitResult",
    "SecondmentExtension",
    "SecondmentProposal",
    "Suspension",
    "Termination",
    "TransferProposal",
    "WorkingTime",
]

Guid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
Text256 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
Text1024 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
Cnp = Annotated[str, StringConstraints(pattern=r"^[0-9]{13}$")]
EmployerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=256, pattern=r"^[A-Za-z0-9 .\-/]+$")]
ROMANIA = "ROMÂNIA"

EMPLOYEE_OPERATIONS = ("InregistrareSalariat", "ModificareSalariat", "CorectieSalariat", "RadiereSalariat")
CONTENT_OPERATIONS = ("AdaugareContract", "ModificareContract", "CorectieContract")
SUSPENSION_OPERATIONS = ("SuspendareContract", "ModificareSuspendareContract", "CorectieSuspendareContract",
                         "IncetareSuspendareContract")
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
        "CarteIdentitate", "Pasaport", "BuletinIdentitate", "Alt", "CarteDeRezidenta", "PermisDeSedere",
        "AltActIdentitateRomanesc", "AltApatridTolerat", "NIF", "CertificatInregistrare",
    ] = Field(default="CarteIdentitate", description="TipActIdentitate")
    birth_date: dt.date | None = Field(default=None, description="DataNastere (must agree with the CNP)")
    sex: Sex | None = Field(default=None, description="M or F: not sent (REGES has no such element), checked against the CNP")
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

    @model_validator(mode="after")
    def _minimum_wage(self) -> ContractContent:
        """Salary at least the national minimum in force on the start date (pro rata for part time).

        Not applied to hourly-paid contracts nor to the reduced time of OUG 132/2020, whose pay is not a monthly norm.
        """
        if self.contract_type == "ContractIndividualMuncaPlataCuOra" or "OUG132" in f"{self.norm_type} {self.working_time.norm}":
            return self
        w = self.working_time
        part_time = "TimpPartial" in (self.norm_type, w.norm)
        problem = minimum_wage_problem(self.salary, self.start_date, part_time=part_time, hours=w.hours, interval=w.interval)
        if problem:
            raise ValueError(problem)
        return self


class Termination(_Model):
    """``Actiune xsi:type=ActiuneIncetare``."""

    date: dt.date = Field(description="DataIncetare")
    legal_basis: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2,40}$")] = Field(description="TemeiLegal, e.g. Art55LitB")
    explanation: Text256 | None = Field(default=None, description="Explicatie")


SuspensionGround = Literal[
    "Art54", "Art50LiteraA", "Art50LiteraB", "Art50LiteraC", "Art50LiteraD", "Art50LiteraE", "Art50LiteraF",
    "Art50LiteraG", "Art50LiteraH", "Art50LiteraI", "Art51Alin1LiteraA", "Art51Alin1LiteraB", "Art51Alin1LiteraC",
    "Art51Alin1LiteraD", "Art51Alin1LiteraE", "Art51Alin1LiteraF", "Art51Alin1LiteraG", "Art51Alin1LiteraH",
    "Art51Alin2", "Art52Alin1LiteraA", "Art52Alin1LiteraB", "Art52Alin1LiteraC", "Art52Alin1LiteraC1",
    "Art52Alin1LiteraD", "Art52Alin1LiteraE", "Art52Alin1LiteraF", "Art52Alin3", "Art6Alin1", "Art11Alin2",
    "Art31Alin1", "Fara",
]


class Suspension(_Model):
    """``Actiune xsi:type=ActiuneSuspendare`` (Suspendare/ModificareSuspendare/CorectieSuspendare/IncetareSuspendareContract)."""

    start_date: dt.date = Field(description="DataInceput (start of the suspension)")
    end_date: dt.date | None = Field(default=None, description="DataSfarsit (planned end; not for IncetareSuspendareContract)")
    ended_on: dt.date | None = Field(default=None, description="DataIncetareSuspendare (IncetareSuspendareContract only)")
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
    operation: Literal["AdaugareContract", "ModificareContract", "CorectieContract", "IncetareContract", "RadiereContract",
                       "SuspendareContract", "ModificareSuspendareContract", "CorectieSuspendareContract",
                       "IncetareSuspendareContract"]
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


def _other_employer(cui: str, country: str) -> str:
    """A Romanian employer's CUI must pass the check digit (normalised, ``RO`` dropped); a foreign id is kept as is."""
    if country.strip().upper() not in (ROMANIA, "ROMANIA"):
        return cui
    try:
        digits = normalize_cui(cui)
    except ValueError:
        raise ValueError(f"invalid CUI of the other employer {cui!r}: a CUI is 2 to 10 digits, optionally prefixed by RO") from None
    if not is_valid_cui(digits):
        raise ValueError(f"invalid CUI of the other employer {cui!r}: the check digit does not match")
    return digits


class _Proposal(_Model):
    """Fields common to ``PropunereDetasareContract`` and ``PropunereMutareContract`` (sent by the source employer)."""

    contract_ref: Guid = Field(description="ReferintaContract/Id: the REGES Ref of the contract")
    content: ContractContent = Field(description="ContinutContract: the source contract (DataInceputContract and "
                                                 "DataConsemnare are sent as start_date, per reges.xsd)")
    source_employer_name: Text256 | None = Field(default=None, description="NumeAngajatorSursa")
    proposal_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = Field(
        default=None, description="NumarPropunere")
    proposal_date: dt.date | None = Field(default=None, description="DataPropunere")
    start_date: dt.date = Field(description="DataInceput")
    notes: Text1024 | None = Field(default=None, description="NoteSursa")

    def _check(self) -> None:
        if self.start_date < self.content.contract_date:
            raise ValueError("start_date cannot precede the contract's contract_date")
        if self.proposal_date is not None and self.proposal_date > self.start_date:
            raise ValueError("proposal_date cannot be after start_date")


SecondmentGround = Literal["Transnationala", "CodulMuncii", "DetasareNonUESEE", "Fara"]


class SecondmentProposal(_Proposal):
    """A ``PropunereDetasareContract`` message (``POST /api/Detasare/Propunere``): second the contract to a host employer."""

    type: Literal["PropunereDetasareContract"] = "PropunereDetasareContract"
    operation: Literal["PropunereDetasareContract"] = "PropunereDetasareContract"
    legal_basis: SecondmentGround = Field(description="TemeiDetasare, nomenclature temeidetasare")
    host_country: Text256 = Field(default=ROMANIA, description="NationalitateAngajatorDestinatie/Nume")
    host_employer_cui: EmployerId = Field(description="CUIAngajatorDestinatie (check digit verified for Romanian employers)")
    host_employer_name: Text256 = Field(description="NumeAngajatorDestinatie")
    end_date: dt.date = Field(description="DataSfarsit")

    @model_validator(mode="after")
    def _shape(self) -> SecondmentProposal:
        self._check()
        if self.end_date < self.start_date:
            raise ValueError("secondment end_date cannot precede start_date")
        domestic = self.host_country.strip().upper() in (ROMANIA, "ROMANIA")
        if self.legal_basis == "CodulMuncii" and not domestic:
            raise ValueError("a CodulMuncii secondment is to an employer in ROMÂNIA (use Transnationala or DetasareNonUESEE)")
        if self.legal_basis in ("Transnationala", "DetasareNonUESEE") and domestic:
            raise ValueError(f"a {self.legal_basis} secondment is to an employer outside ROMÂNIA")
        return self

    @field_validator("host_employer_cui")
    @classmethod
    def _host_cui(cls, value: str, info: ValidationInfo) -> str:
        return _other_employer(value, str(info.data.get("host_country", ROMANIA)))


class TransferProposal(_Proposal):
    """A ``PropunereMutareContract`` message with ``TipMutare=Transfer`` (``POST /api/Mutare/Propunere``)."""

    type: Literal["PropunereMutareContract"] = "PropunereMutareContract"
    operation: Literal["PropunereMutareContract"] = "PropunereMutareContract"
    move_type: Literal["Transfer"] = Field(default="Transfer", description="TipMutare (only Transfer is built here)")
    transfer_type: Literal["TransferIndividual", "TransferDeIntreprindere"] = Field(description="TipTransfer")
    target_country: Text256 = Field(default=ROMANIA, description="NationalitateAngajatorDestinatie/Nume")
    target_employer_cui: EmployerId = Field(description="CUIAngajatorDestinatie (check digit verified for Romanian employers)")
    target_employer_name: Text256 = Field(description="NumeAngajatorDestinatie")
    target_employer_ref: Guid | None = Field(default=None, description="IdAngajatorDestinatie/Id (several employers, same CUI)")

    @model_validator(mode="after")
    def _shape(self) -> TransferProposal:
        self._check()
        return self

    @field_validator("target_employer_cui")
    @classmethod
    def _target_cui(cls, value: str, info: ValidationInfo) -> str:
        return _other_employer(value, str(info.data.get("target_country", ROMANIA)))


#: operations of the proposal lifecycle (one model each, sharing ``type`` with the proposal itself)
ANSWER_OPERATIONS = {"AcceptarePropunereDetasareContract": "PropunereDetasareContract",
                     "RespingerePropunereDetasareContract": "PropunereDetasareContract",
                     "AcceptarePropunereMutareContract": "PropunereMutareContract",
                     "RespingerePropunereMutareContract": "PropunereMutareContract"}
WITHDRAW_OPERATIONS = {"RadierePropunereDetasareContract": "PropunereDetasareContract",
                       "RadierePropunereMutareContract": "PropunereMutareContract"}


class ProposalAnswer(_Model):
    """The receiving employer accepts or refuses a proposal (``Acceptare``/``RespingerePropuneri{Detasare|Mutare}Contract``).

    Sent as ``xsi:type`` PropunereDetasareContract to ``/api/Detasare/Propunere`` or PropunereMutareContract to
    ``/api/Mutare/Propunere``. reges.xsd: ``Referinta`` (the proposal) always; ``ReferintaContract`` and
    ``ContinutContract`` (the contract as it will be at the receiving employer) only when accepting;
    ``NoteDestinatie`` optional. The Postman example writes NoteDestinatie before ContinutContract; the XSD
    sequence puts it after, and that order is what we send.
    """

    type: Literal["PropunereDetasareContract", "PropunereMutareContract"]
    operation: Literal["AcceptarePropunereDetasareContract", "RespingerePropunereDetasareContract",
                       "AcceptarePropunereMutareContract", "RespingerePropunereMutareContract"]
    proposal_ref: Guid = Field(description="Referinta/Id: the REGES Ref of the proposal (from the incoming queue)")
    contract_ref: Guid | None = Field(default=None, description="ReferintaContract/Id: the proposed contract (accept only)")
    content: ContractContent | None = Field(default=None, description="ContinutContract at the receiving employer (accept only)")
    notes: Text1024 | None = Field(default=None, description="NoteDestinatie")

    @model_validator(mode="after")
    def _shape(self) -> ProposalAnswer:
        if ANSWER_OPERATIONS[self.operation] != self.type:
            raise ValueError(f"{self.operation} is sent as type {ANSWER_OPERATIONS[self.operation]}, not {self.type}")
        accept = self.operation.startswith("Acceptare")
        if accept and (self.contract_ref is None or self.content is None):
            raise ValueError("contract_ref and content are required to accept a proposal")
        if not accept and (self.contract_ref is not None or self.content is not None):
            raise ValueError("contract_ref and content are only sent when accepting a proposal")
        return self


class ProposalWithdrawal(_Model):
    """The proposing employer withdraws a pending proposal (``RadierePropunere{Detasare|Mutare}Contract``, ``Referinta`` only)."""

    type: Literal["PropunereDetasareContract", "PropunereMutareContract"]
    operation: Literal["RadierePropunereDetasareContract", "RadierePropunereMutareContract"]
    proposal_ref: Guid = Field(description="Referinta/Id: the REGES Ref of the proposal (the proposal's result Ref)")

    @model_validator(mode="after")
    def _shape(self) -> ProposalWithdrawal:
        if WITHDRAW_OPERATIONS[self.operation] != self.type:
            raise ValueError(f"{self.operation} is sent as type {WITHDRAW_OPERATIONS[self.operation]}, not {self.type}")
        return self


class SecondmentExtension(_Model):
    """``PrelungireDetasareContract``: a ``Contract`` message (``/api/Contract``) with ``Actiune xsi:type=ActiuneDetasare``.

    ``current_end_date`` is the secondment's present DataSfarsit: checked (the new ``end_date`` must be later),
    not sent.
    """

    type: Literal["Contract"] = "Contract"
    operation: Literal["PrelungireDetasareContract"] = "PrelungireDetasareContract"
    contract_ref: Guid = Field(description="ReferintaContract/Id: the seconded contract")
    legal_basis: SecondmentGround = Field(description="TemeiDetasare")
    host_country: Text256 = Field(default=ROMANIA, description="Nationalitate/Nume")
    host_employer_cui: EmployerId = Field(description="AngajatorCui (check digit verified for Romanian employers)")
    host_employer_name: Text256 = Field(description="AngajatorNume")
    cor_code: int = Field(ge=100000, le=999999, description="Cor/Cod")
    cor_version: int = Field(default=10, ge=1, description="Cor/Versiune")
    start_date: dt.date = Field(description="DataInceput of the secondment")
    current_end_date: dt.date = Field(description="the secondment's current DataSfarsit (checked, not sent)")
    end_date: dt.date = Field(description="DataSfarsit: the new end")

    @model_validator(mode="after")
    def _dates(self) -> SecondmentExtension:
        if self.current_end_date < self.start_date:
            raise ValueError("current_end_date cannot precede start_date")
        if self.end_date <= self.current_end_date:
            raise ValueError("an extension's end_date must be after the current end (current_end_date)")
        return self

    @field_validator("host_employer_cui")
    @classmethod
    def _host_cui(cls, value: str, info: ValidationInfo) -> str:
        return _other_employer(value, str(info.data.get("host_country", ROMANIA)))


def _message_tag(value: Any) -> str | None:
    """Union tag of a message: the lifecycle operations by ``operation``, the rest by ``type``."""
    get = value.get if isinstance(value, dict) else lambda k: getattr(value, k, None)
    op, kind = get("operation"), get("type")
    if op in ANSWER_OPERATIONS or op in WITHDRAW_OPERATIONS or op == "PrelungireDetasareContract":
        return str(op)
    return None if kind is None else str(kind)


SubmitMessage = Annotated[
    Annotated[EmployeeMessage, Tag("Salariat")] | Annotated[ContractMessage, Tag("Contract")]
    | Annotated[SecondmentProposal, Tag("PropunereDetasareContract")] | Annotated[TransferProposal, Tag("PropunereMutareContract")]
    | Annotated[ProposalAnswer, Tag("AcceptarePropunereDetasareContract")]
    | Annotated[ProposalAnswer, Tag("RespingerePropunereDetasareContract")]
    | Annotated[ProposalAnswer, Tag("AcceptarePropunereMutareContract")]
    | Annotated[ProposalAnswer, Tag("RespingerePropunereMutareContract")]
    | Annotated[ProposalWithdrawal, Tag("RadierePropunereDetasareContract")]
    | Annotated[ProposalWithdrawal, Tag("RadierePropunereMutareContract")]
    | Annotated[SecondmentExtension, Tag("PrelungireDetasareContract")],
    Discriminator(_message_tag, custom_error_type="reges_message_type",
                  custom_error_message="message type/operation not supported: type is one of Salariat, Contract, "
                                       "PropunereDetasareContract, PropunereMutareContract"),
]


class RegesSubmitRequest(_Model):
    """``reges.submit`` payload: one message for one employer register (API credentials per CUI)."""

    employer_cui: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{1,9}$")]
    message: SubmitMessage
    message_id: Guid | None = Field(
        default=None, description="Header/MessageId (GUID); default: derived from the task id, so retries reuse it"
    )
    format: Literal["xml", "json"] = "xml"

    @model_validator(mode="after")
    def _other_employer_is_another(self) -> RegesSubmitRequest:
        m = self.message
        other = (m.host_employer_cui if isinstance(m, SecondmentProposal | SecondmentExtension)
                 else m.target_employer_cui if isinstance(m, TransferProposal) else None)
        if other is not None and other == self.employer_cui:
            raise ValueError("the other employer of a secondment/transfer cannot be the submitting employer")
        return self


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
    #: the official artefacts (name, version) the message was validated against before it was sent
    validated_with: list[dict[str, str]] = Field(default_factory=list)


ProposalKind = Literal["Detasare", "Mutare"]
PROPOSAL_KINDS: tuple[ProposalKind, ...] = ("Detasare", "Mutare")
#: incoming-proposal queue per kind (``/api/{kind}/Propuneri/ReadBatch`` and ``CommitReadBatch``)
PROPOSAL_QUEUES: dict[str, str] = {"Detasare": "/api/Detasare/Propuneri", "Mutare": "/api/Mutare/Propuneri"}


class RegesProposalsRequest(_Model):
    """``reges.proposals`` payload: read the incoming-proposal queue(s) of this worker's register.

    ``commit=False`` peeks (``ReadBatch``; the same proposals are listed again next time); ``commit=True`` also
    advances the consumer's cursor by exactly what was read (``CommitReadBatch``).
    """

    kinds: list[ProposalKind] = Field(default_factory=lambda: list(PROPOSAL_KINDS), min_length=1)
    batch: int = Field(default=50, ge=1, le=500)
    commit: bool = False


class IncomingProposal(BaseModel):
    """One proposal read from ``/api/{Detasare|Mutare}/Propuneri``: a PropunereDetasareContract /
    PropunereMutareContract message whose ``Referinta`` is the proposal's REGES Ref."""

    kind: ProposalKind
    proposal_ref: str | None
    operation: str | None
    contract_ref: str | None = None
    move_type: str | None = Field(default=None, description="TipMutare (Mutare)")
    legal_basis: str | None = Field(default=None, description="TemeiDetasare (Detasare)")
    source_employer_cui: str | None = None
    source_employer_name: str | None = None
    target_employer_cui: str | None = None
    target_employer_name: str | None = None
    proposal_number: str | None = None
    proposal_date: dt.date | None = Field(default=None, description="DataPropunere")
    start_date: dt.date | None = Field(default=None, description="DataInceput")
    end_date: dt.date | None = Field(default=None, description="DataSfarsit (secondments)")
    state: str | None = Field(default=None, description="StarePropunere when REGES sends it")
    raw: dict[str, Any] = Field(default_factory=dict, description="the item as received (JSON form)")


class RegesProposalsResult(BaseModel):
    proposals: list[IncomingProposal]
    committed: int = 0
    consumer_id: str
