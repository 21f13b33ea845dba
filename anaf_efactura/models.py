"""Payloads and results of the ``anaf.efactura`` tasks (``efactura.submit``, ``efactura.poll``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from anaf_efactura.invoice import Invoice

__all__ = ["PollRequest", "SubmissionResult", "SubmitRequest"]

Status = Literal["new", "uploading", "uploaded", "accepted", "rejected", "upload_rejected"]


class SubmitRequest(BaseModel):
    """One of ``invoice`` (typed model), ``xml`` (ready UBL text) or ``xml_artifact`` (artifact key).

    ``invoice_key`` is the idempotency key (default ``<number>|<issue date>``): the same key with the same
    content is never filed twice; the same key with other content is refused unless ANAF rejected the
    earlier one. ``cif`` is the uploader (default: the seller's CUI; the buyer's for ``autofactura``).
    """

    model_config = ConfigDict(extra="forbid")

    invoice: Invoice | None = None
    xml: Annotated[str, StringConstraints(min_length=1, max_length=11 * 1024 * 1024)] | None = None
    xml_artifact: str | None = None
    invoice_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    cif: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(RO)?[0-9]{2,10}$")] | None = None
    b2c: bool = False
    extern: bool = False
    autofactura: bool = False
    executare: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> SubmitRequest:
        given = [x for x in (self.invoice, self.xml, self.xml_artifact) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'invoice', 'xml' or 'xml_artifact'")
        return self

    @property
    def flags(self) -> dict[str, bool]:
        return {"extern": self.extern, "autofactura": self.autofactura, "executare": self.executare}


class PollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outbox_id: int = Field(gt=0)


class SubmissionResult(BaseModel):
    """Where an invoice stands; the same shape for submit and poll results."""

    outbox_id: int
    invoice_key: str
    cif: str
    status: Status
    upload_index: int | None = None
    duplicate_index: int | None = None
    download_id: int | None = None
    anaf_state: str | None = None
    xml_sha256: str
    xml_artifact: str | None = None
    zip_artifact: str | None = None
    zip_sha256: str | None = None
    #: Presigned download URL of the archived ZIP and its expiry (S3 artifact store only).
    zip_url: str | None = None
    zip_expires_at: dt.datetime | None = None
    signature: dict[str, Any] | None = None
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    #: the official artefacts (name, version) the XML was validated against before it was filed
    validated_with: list[dict[str, str]] = Field(default_factory=list)
    next_poll_in: float | None = None
    uploaded_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
