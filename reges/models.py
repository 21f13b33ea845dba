"""REGES Online payloads: employee (``Salariat``) and contract operations, submit/drain requests and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

from reges.employment import (
    ENDPOINTS,
    ContractContent,
    ContractMessage,
    EmployeeInfo,
    EmployeeMessage,
    Guid,
    Suspension,
    Termination,
    WorkingTime,
    _Model,
)
from reges.proposals import (
    ANSWER_OPERATIONS,
    WITHDRAW_OPERATIONS,
    ProposalAnswer,
    ProposalWithdrawal,
    SecondmentExtension,
    SecondmentProposal,
    TransferProposal,
)

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


def _message_tag(value: Any) -> str | None:
    """Union tag of a message: the lifecycle operations by ``operation``, the rest by ``type``."""
    get = value.get if isinstance(value, dict) else lambda k: getattr(value, k, None)
    op, kind = get("operation"), get("type")
    if op in ANSWER_OPERATIONS or op in WITHDRAW_OPERATIONS or op == "PrelungireDetasareContract":
        return str(op)
    return None if kind is None else str(kind)


SubmitMessage = Annotated[
    Annotated[EmployeeMessage, Tag("Salariat")]
    | Annotated[ContractMessage, Tag("Contract")]
    | Annotated[SecondmentProposal, Tag("PropunereDetasareContract")]
    | Annotated[TransferProposal, Tag("PropunereMutareContract")]
    | Annotated[ProposalAnswer, Tag("AcceptarePropunereDetasareContract")]
    | Annotated[ProposalAnswer, Tag("RespingerePropunereDetasareContract")]
    | Annotated[ProposalAnswer, Tag("AcceptarePropunereMutareContract")]
    | Annotated[ProposalAnswer, Tag("RespingerePropunereMutareContract")]
    | Annotated[ProposalWithdrawal, Tag("RadierePropunereDetasareContract")]
    | Annotated[ProposalWithdrawal, Tag("RadierePropunereMutareContract")]
    | Annotated[SecondmentExtension, Tag("PrelungireDetasareContract")],
    Discriminator(
        _message_tag,
        custom_error_type="reges_message_type",
        custom_error_message="message type/operation not supported: type is one of Salariat, Contract, "
        "PropunereDetasareContract, PropunereMutareContract",
    ),
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
        other = (
            m.host_employer_cui
            if isinstance(m, SecondmentProposal | SecondmentExtension)
            else m.target_employer_cui
            if isinstance(m, TransferProposal)
            else None
        )
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
