"""Payload and result of ``taxpayer.validate``: CUIs in (check digit enforced), normalised data out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from anaf_core.cui import is_valid_cui, normalize_cui

__all__ = [
    "Address",
    "CompanyInfo",
    "InactiveStatus",
    "TaxpayerRecord",
    "TaxpayerRequest",
    "TaxpayerResult",
    "VatOnCash",
    "VatPeriod",
    "VatRegistration",
]

MAX_CUIS = 1000


def _cui(value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError("a CUI is a string or an integer")
    digits = normalize_cui(value)
    if not is_valid_cui(digits):
        raise ValueError("invalid CUI: the check digit does not match")
    return digits


Cui = Annotated[str, BeforeValidator(_cui)]


class TaxpayerRequest(BaseModel):
    """``{"cui": "RO4221306"}`` or ``{"cuis": [...]}``; ``date`` = registry date (default: today, Romania)."""

    model_config = ConfigDict(extra="forbid")

    cui: Cui | None = None
    cuis: list[Cui] | None = Field(default=None, min_length=1, max_length=MAX_CUIS)
    date: dt.date | None = None
    allow_stale: bool = True
    use_cache: bool = True

    @model_validator(mode="after")
    def _one_of(self) -> TaxpayerRequest:
        if (self.cui is None) == (self.cuis is None):
            raise ValueError("give exactly one of 'cui' or 'cuis'")
        return self

    def all_cuis(self) -> list[str]:
        """Distinct CUIs in request order."""
        items = [self.cui] if self.cui is not None else list(self.cuis or [])
        return list(dict.fromkeys(items))


class Address(BaseModel):
    street: str | None = None
    number: str | None = None
    locality: str | None = None
    locality_code: str | None = None
    county: str | None = None
    county_code: str | None = None
    county_auto_code: str | None = None
    country: str | None = None
    details: str | None = None
    postal_code: str | None = None


class VatPeriod(BaseModel):
    start: dt.date | None = None
    end: dt.date | None = None
    end_effective: dt.date | None = None
    message: str | None = None


class VatRegistration(BaseModel):
    registered: bool
    periods: list[VatPeriod] = Field(default_factory=list)


class VatOnCash(BaseModel):
    active: bool
    start: dt.date | None = None
    end: dt.date | None = None
    updated: dt.date | None = None
    published: dt.date | None = None
    act_type: str | None = None


class InactiveStatus(BaseModel):
    inactive: bool
    inactivated_on: dt.date | None = None
    reactivated_on: dt.date | None = None
    published_on: dt.date | None = None
    deregistered_on: dt.date | None = None


class SplitVat(BaseModel):
    active: bool
    start: dt.date | None = None
    cancelled: dt.date | None = None


class EfacturaRegistry(BaseModel):
    registered: bool
    since: dt.date | None = None


class CompanyInfo(BaseModel):
    """One ``found`` item of PlatitorTvaRest v9, flattened into stable English names."""

    cui: str
    name: str
    address: str | None = None
    registration_number: str | None = None
    phone: str | None = None
    fax: str | None = None
    postal_code: str | None = None
    registration_status: str | None = None
    registration_date: dt.date | None = None
    caen_code: str | None = None
    iban: str | None = None
    fiscal_authority: str | None = None
    ownership_form: str | None = None
    organization_form: str | None = None
    legal_form: str | None = None
    vat: VatRegistration
    vat_on_cash: VatOnCash
    inactive: InactiveStatus
    split_vat: SplitVat
    efactura_registry: EfacturaRegistry
    headquarters: Address
    fiscal_domicile: Address


class TaxpayerRecord(BaseModel):
    """The answer for one CUI; ``stale`` answers come from the last good lookup while ANAF is down."""

    cui: str
    found: bool
    date: dt.date
    source: Literal["anaf", "cache", "stale_cache"]
    stale: bool = False
    checked_at: dt.datetime
    company: CompanyInfo | None = None


class TaxpayerResult(BaseModel):
    results: list[TaxpayerRecord]
    found: int
    not_found: int
    stale: int

    @classmethod
    def of(cls, records: list[TaxpayerRecord]) -> TaxpayerResult:
        return cls(
            results=records,
            found=sum(r.found for r in records),
            not_found=sum(not r.found for r in records),
            stale=sum(r.stale for r in records),
        )
