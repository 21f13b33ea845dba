"""REGES Online proposals: secondment and transfer proposals, their answers, withdrawals and extensions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from anaf_core.cui import is_valid_cui, normalize_cui
from reges.employment import ROMANIA, ContractContent, EmployerId, Guid, Text256, Text1024, _Model


def _other_employer(cui: str, country: str) -> str:
    """A Romanian employer's CUI must pass the check digit (normalised, ``RO`` dropped); a foreign id is kept as is."""
    if country.strip().upper() not in (ROMANIA, "ROMANIA"):
        return cui
    try:
        digits = normalize_cui(cui)
    except ValueError:
        raise ValueError(
            f"invalid CUI of the other employer {cui!r}: a CUI is 2 to 10 digits, optionally prefixed by RO"
        ) from None
    if not is_valid_cui(digits):
        raise ValueError(f"invalid CUI of the other employer {cui!r}: the check digit does not match")
    return digits


class _Proposal(_Model):
    """Fields common to ``PropunereDetasareContract`` and ``PropunereMutareContract`` (sent by the source employer)."""

    contract_ref: Guid = Field(description="ReferintaContract/Id: the REGES Ref of the contract")
    content: ContractContent = Field(
        description="ContinutContract: the source contract (DataInceputContract and "
        "DataConsemnare are sent as start_date, per reges.xsd)"
    )
    source_employer_name: Text256 | None = Field(default=None, description="NumeAngajatorSursa")
    proposal_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = (
        Field(default=None, description="NumarPropunere")
    )
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
    host_employer_cui: EmployerId = Field(
        description="CUIAngajatorDestinatie (check digit verified for Romanian employers)"
    )
    host_employer_name: Text256 = Field(description="NumeAngajatorDestinatie")
    end_date: dt.date = Field(description="DataSfarsit")

    @model_validator(mode="after")
    def _shape(self) -> SecondmentProposal:
        self._check()
        if self.end_date < self.start_date:
            raise ValueError("secondment end_date cannot precede start_date")
        domestic = self.host_country.strip().upper() in (ROMANIA, "ROMANIA")
        if self.legal_basis == "CodulMuncii" and not domestic:
            raise ValueError(
                "a CodulMuncii secondment is to an employer in ROMÂNIA (use Transnationala or DetasareNonUESEE)"
            )
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
    target_employer_cui: EmployerId = Field(
        description="CUIAngajatorDestinatie (check digit verified for Romanian employers)"
    )
    target_employer_name: Text256 = Field(description="NumeAngajatorDestinatie")
    target_employer_ref: Guid | None = Field(
        default=None, description="IdAngajatorDestinatie/Id (several employers, same CUI)"
    )

    @model_validator(mode="after")
    def _shape(self) -> TransferProposal:
        self._check()
        return self

    @field_validator("target_employer_cui")
    @classmethod
    def _target_cui(cls, value: str, info: ValidationInfo) -> str:
        return _other_employer(value, str(info.data.get("target_country", ROMANIA)))


#: operations of the proposal lifecycle (one model each, sharing ``type`` with the proposal itself)
ANSWER_OPERATIONS = {
    "AcceptarePropunereDetasareContract": "PropunereDetasareContract",
    "RespingerePropunereDetasareContract": "PropunereDetasareContract",
    "AcceptarePropunereMutareContract": "PropunereMutareContract",
    "RespingerePropunereMutareContract": "PropunereMutareContract",
}
WITHDRAW_OPERATIONS = {
    "RadierePropunereDetasareContract": "PropunereDetasareContract",
    "RadierePropunereMutareContract": "PropunereMutareContract",
}


class ProposalAnswer(_Model):
    """The receiving employer accepts or refuses a proposal (``Acceptare``/``RespingerePropuneri{Detasare|Mutare}Contract``).

    Sent as ``xsi:type`` PropunereDetasareContract to ``/api/Detasare/Propunere`` or PropunereMutareContract to
    ``/api/Mutare/Propunere``. reges.xsd: ``Referinta`` (the proposal) always; ``ReferintaContract`` and
    ``ContinutContract`` (the contract as it will be at the receiving employer) only when accepting;
    ``NoteDestinatie`` optional. The Postman example writes NoteDestinatie before ContinutContract; the XSD
    sequence puts it after, and that order is what we send.
    """

    type: Literal["PropunereDetasareContract", "PropunereMutareContract"]
    operation: Literal[
        "AcceptarePropunereDetasareContract",
        "RespingerePropunereDetasareContract",
        "AcceptarePropunereMutareContract",
        "RespingerePropunereMutareContract",
    ]
    proposal_ref: Guid = Field(description="Referinta/Id: the REGES Ref of the proposal (from the incoming queue)")
    contract_ref: Guid | None = Field(
        default=None, description="ReferintaContract/Id: the proposed contract (accept only)"
    )
    content: ContractContent | None = Field(
        default=None, description="ContinutContract at the receiving employer (accept only)"
    )
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
