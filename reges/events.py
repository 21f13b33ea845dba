"""Events of the ``reges`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from shared.worker import EventSpec

__all__ = ["EVENTS", "RegesMonthlySubmitted", "RegesResult", "RegesSubmitted"]


class RegesSubmitted(BaseModel):
    """A message was sent to REGES and its receipt (ResponseId) stored (``RegesSubmitResult`` less ``duplicate``)."""

    message_id: str
    response_id: str
    operation: str
    employer_cui: str
    state: str
    result: dict[str, Any] | None
    validated_with: list[dict[str, str]] = Field(default_factory=list)


class RegesResult(BaseModel):
    """One result read from the REGES result queue (``unknown_submission`` when no submission of ours matches)."""

    result: dict[str, Any] | None
    response_id: str | None
    message_id: str | None
    state: str


class RegesMonthlySubmitted(BaseModel):
    """The monthly run sent a company's planned messages for the month (``reges.monthly``, from beat)."""

    employer_cui: str
    month: str
    tasks: list[str]


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("reges.submitted", RegesSubmitted, "A REGES message was sent and its receipt stored."),
    EventSpec("reges.result", RegesResult, "A REGES result was read from the result queue and persisted."),
    EventSpec(
        "reges.monthly.submitted", RegesMonthlySubmitted, "The monthly run sent one company's messages for the month."
    ),
)
