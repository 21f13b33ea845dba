"""Events of the ``flows`` worker (declarations for the AsyncAPI document and the SDKs).

Every event of the invoicing flow carries the flow's identity and what it has gathered so far (fields are null
until the step that fills them ran); ``flow.invoice.rejected`` and ``flow.invoice.stopped`` add ANAF's or the
failed step's messages and a structured ``error``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.worker import EventSpec

__all__ = ["EVENTS", "FlowEnded", "FlowError", "FlowProgress"]


class FlowProgress(BaseModel):
    """Where one invoice's flow stands (``flow.invoice.started`` / ``completed``)."""

    model_config = ConfigDict(extra="allow")

    flow_id: int
    flow_key: str
    pdf_artifact: str | None = None
    outbox_id: str | None = None
    upload_index: int | None = None
    zip_artifact: str | None = None
    email_message_id: str | None = None


class FlowEnded(FlowProgress):
    """A flow that ended without the e-mail: ANAF rejected the invoice or a step failed."""

    errors: list[str] = Field(default_factory=list)


class FlowError(BaseModel):
    """The envelope's ``error`` of a flow that ended without the e-mail."""

    code: str
    message: str
    messages: list[str] = Field(default_factory=list)


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("flow.invoice.started", FlowProgress, "An invoice's flow started: its PDF is being rendered."),
    EventSpec("flow.invoice.completed", FlowProgress, "ANAF accepted the invoice and the buyer was e-mailed."),
    EventSpec("flow.invoice.rejected", FlowEnded, "ANAF rejected the invoice; accounting was alerted.", FlowError),
    EventSpec(
        "flow.invoice.stopped", FlowEnded, "A step of the flow failed for good; accounting was alerted.", FlowError
    ),
)
