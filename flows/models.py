"""Payloads and results of the ``flow.invoice*`` tasks: the invoice in Mercantiq's terms and where its flow is."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from flows.terms import InvoiceTerms

__all__ = ["FlowState", "InvoiceFlowRequest", "InvoiceFlowResult", "InvoiceFlowStatus", "InvoiceFlowStep"]

FlowState = Literal["new", "rendering", "filing", "waiting", "mailing", "alerting", "done", "rejected", "stopped"]
Key = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,200}$")]


class InvoiceFlowRequest(BaseModel):
    """One invoice issued by Mercantiq: the document (``efactura.submit``'s ``invoice``), whom to send it to, who
    to warn.

    ``flow_key`` names the flow (default ``<seller CUI>|<number>|<issue date>``): the same key starts nothing
    new, it answers where the first flow is.
    """

    model_config = ConfigDict(extra="forbid")

    #: the ``invoice`` of ``efactura.submit`` as is (that worker validates it; the flow reads ``InvoiceTerms``)
    invoice: dict[str, Any]
    buyer_email: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", max_length=320)
    ]
    buyer_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    #: Slack channel of the accounting team (default: ``FLOWS_ACCOUNTING_CHANNEL``)
    accounting_channel: str | None = Field(default=None, pattern=r"^#?[a-z0-9][a-z0-9._-]{0,79}$")
    flow_key: Key | None = None

    @property
    def terms(self) -> InvoiceTerms:
        return InvoiceTerms.model_validate(self.invoice)

    @model_validator(mode="after")
    def _readable(self) -> InvoiceFlowRequest:
        self.terms  # noqa: B018 - the flow must be able to read the parts it shows
        return self


class InvoiceFlowStep(BaseModel):
    """The flow's next look at its running step (sent by the flow itself)."""

    model_config = ConfigDict(extra="forbid")

    flow_id: int = Field(gt=0)


class InvoiceFlowStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flow_key: Key


class InvoiceFlowResult(BaseModel):
    """Where one invoice's flow stands (``created``: this call started it)."""

    flow_id: int
    flow_key: str
    state: FlowState
    created: bool = False
    correlation_id: str | None = None
    pdf_artifact: str | None = None
    outbox_id: int | None = None
    upload_index: int | None = None
    zip_artifact: str | None = None
    email_message_id: str | None = None
    errors: list[str] = Field(default_factory=list)
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    skipped: bool = False

    @classmethod
    def of(cls, data: dict[str, Any], **fields: Any) -> InvoiceFlowResult:
        return cls.model_validate({**{k: v for k, v in data.items() if k in cls.model_fields}, **fields})
