"""Events of the ``anaf.efactura`` worker (declarations for the AsyncAPI document and the SDKs).

Every event carries the filing as the outbox holds it (``service_results.event_data``); a rejection adds the stage
(ANAF refused the upload, or its processing said ``nok``) and ANAF's messages, and carries an ``error``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.worker import EventSpec

__all__ = ["EVENTS", "EfacturaFiling", "EfacturaRejected", "EfacturaRejection"]


class EfacturaFiling(BaseModel):
    """Where a filing stands: outbox row, ANAF's indexes, the stored XML and signed ZIP."""

    outbox_id: int
    invoice_key: str
    cif: str
    upload_index: int | None
    duplicate_index: int | None
    xml_sha256: str
    xml_artifact: str | None
    b2c: bool
    flags: dict[str, bool]
    download_id: int | None
    zip_artifact: str | None
    zip_sha256: str | None
    signature: dict[str, Any] | None


class EfacturaRejected(EfacturaFiling):
    """ANAF refused the upload (``stage`` upload) or its processing ended ``nok`` (``stage`` processing)."""

    stage: Literal["upload", "processing"]
    errors: list[str]


class EfacturaRejection(BaseModel):
    """The envelope's ``error`` of ``efactura.rejected``."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    messages: list[str]


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("efactura.submitted", EfacturaFiling, "ANAF took the invoice for processing (upload index known)."),
    EventSpec("efactura.accepted", EfacturaFiling, "ANAF accepted the invoice; its signed ZIP is stored."),
    EventSpec(
        "efactura.rejected",
        EfacturaRejected,
        "ANAF refused the upload or rejected the invoice.",
        error=EfacturaRejection,
    ),
)
