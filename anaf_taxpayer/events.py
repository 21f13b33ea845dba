"""Events of the ``anaf.taxpayer`` worker (declarations for the AsyncAPI document and the SDKs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from shared.worker import EventSpec

__all__ = ["EVENTS", "TaxpayerSummary", "TaxpayerValidated"]


class TaxpayerSummary(BaseModel):
    """One CUI's verdict (``null`` flags when ANAF does not know the CUI)."""

    cui: str
    found: bool
    stale: bool
    source: Literal["anaf", "cache", "stale_cache"]
    name: str | None
    vat_registered: bool | None
    inactive: bool | None
    efactura_registry: bool | None


class TaxpayerValidated(BaseModel):
    """The CUIs of one request were checked against ANAF's VAT registry."""

    found: int
    not_found: int
    stale: int
    results: list[TaxpayerSummary]


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("anaf.taxpayer.validated", TaxpayerValidated, "CUIs were checked against ANAF's VAT registry."),
)
