"""SAF-T (D406) payloads: company, period, source of the accounting data, and the generation result."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.xml import Finding

__all__ = [
    "Address",
    "Company",
    "Contact",
    "DocumentSection",
    "ExportSource",
    "Period",
    "SaftRequest",
    "SaftResult",
    "SegmentRef",
    "SqlSourceSpec",
]

Text18 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=18)]
Text35 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=35)]
Text70 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=70)]
Text256 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
ArtifactKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$")]

#: HeaderComment values (ANAF.md §4): monthly, quarterly, annual assets, on-demand stocks, non-residents.
PeriodType = Literal["L", "T", "A", "C", "NL", "NT"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(_Model):
    street: Text70 | None = None
    number: Text18 | None = None
    city: Text35
    postal_code: Text18 | None = None
    region: Text35 | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "RO"


class Contact(_Model):
    first_name: Text35
    last_name: Text70
    telephone: Text18
    email: Text70 | None = None


class Company(_Model):
    """The reporting company (Header/Company)."""

    registration_number: Annotated[str, StringConstraints(pattern=r"^(RO)?[0-9]{2,10}$")] = Field(
        description="CUI, optionally with RO; its check digit is verified"
    )
    name: Text256
    address: Address
    contact: Contact
    iban: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")]


class Period(_Model):
    """Reporting months ``start_month..end_month`` of ``year``."""

    year: int = Field(ge=2016, le=2100)
    start_month: int = Field(ge=1, le=12)
    end_month: int = Field(ge=1, le=12)

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end_month < self.start_month:
            raise ValueError("end_month must not be before start_month")
        return self

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.start_month, 1)

    @property
    def last_day(self) -> dt.date:
        nxt = dt.date(self.year + (self.end_month == 12), self.end_month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)


class ExportSource(_Model):
    """Files exported by the accounting system, stored in the artifact store (see anaf_saft/README.md)."""

    kind: Literal["export"] = "export"
    format: Literal["jsonl", "csv"] = "jsonl"
    accounts: ArtifactKey
    lines: ArtifactKey
    customers: ArtifactKey | None = None
    suppliers: ArtifactKey | None = None
    tax_codes: ArtifactKey | None = None
    uom: ArtifactKey | None = None
    journals: ArtifactKey | None = None
    sales_invoices: ArtifactKey | None = Field(
        default=None, description="SourceDocuments/SalesInvoices, one row per invoice line"
    )
    purchase_invoices: ArtifactKey | None = Field(
        default=None, description="SourceDocuments/PurchaseInvoices, one row per invoice line"
    )
    payments: ArtifactKey | None = Field(default=None, description="SourceDocuments/Payments, one row per payment line")


class SqlSourceSpec(_Model):
    """Rows read through SQLAlchemy from ``ANAF_SAFT_SOURCE_DATABASE_URL`` (tables in anaf_saft/sql.py)."""

    kind: Literal["sql"] = "sql"
    company_id: Text35


class SaftRequest(_Model):
    """``saft.generate`` payload."""

    company: Company
    period: Period
    period_type: PeriodType = Field(
        description="HeaderComment: L monthly, T quarterly, A annual, C on demand, NL/NT non-residents"
    )
    test: bool = Field(default=False, description="D406T test declaration (namespace ...:d406t:...), no fiscal effect")
    tax_accounting_basis: Literal[
        "A", "I", "IFRS", "BANK", "INSURANCE", "NORMA39", "IFN", "NORMA36", "NORMA14", "ONG", "ONGE", "BNR6"
    ] = "A"
    source: Annotated[ExportSource | SqlSourceSpec, Field(discriminator="kind")]
    created: dt.date | None = Field(default=None, description="AuditFileDateCreated (default: today)")

    @model_validator(mode="after")
    def _period_matches_type(self) -> SaftRequest:
        p, t = self.period, self.period_type
        months = p.end_month - p.start_month + 1
        if t in {"L", "NL"} and months != 1:
            raise ValueError(f"HeaderComment {t} (monthly) needs a one-month period")
        if t in {"T", "NT"} and not (months == 3 and p.start_month in {1, 4, 7, 10}):
            raise ValueError(f"HeaderComment {t} (quarterly) needs a calendar quarter")
        if t == "A" and not (p.start_month == 1 and p.end_month == 12):
            raise ValueError("HeaderComment A (annual) needs months 1..12")
        return self


class SegmentRef(BaseModel):
    """One generated file (a full AuditFile; segment 1 carries the master files)."""

    index: int
    key: str
    size: int
    sha256: str
    lines: int
    entries: int
    #: Presigned download URL and its expiry (S3 artifact store only).
    url: str | None = None
    expires_at: dt.datetime | None = None


class DocumentSection(BaseModel):
    """One SourceDocuments section as written (sales_invoices, purchase_invoices, payments)."""

    entries: int
    lines: int
    total_debit: str
    total_credit: str


class SaftResult(BaseModel):
    """What ``saft.generate`` returns: the stored file(s), the verdicts and every finding."""

    key: str
    size: int
    sha256: str
    #: Download link of the first (or only) file, as in ``segments[0]`` (S3 artifact store only).
    url: str | None = None
    expires_at: dt.datetime | None = None
    namespace: str
    header_comment: str
    segments: list[SegmentRef]
    lines: int
    entries: int
    total_debit: str
    total_credit: str
    xsd_valid: bool | None = Field(
        description="true once the official XSD accepted every segment; null only for the "
        "CLI's explicit --allow-partial"
    )
    validated_with: list[dict[str, str]] = Field(
        default_factory=list, description="official artefacts (name, version) the file was validated against"
    )
    duk: dict[str, Any]
    findings: list[Finding]
    documents: dict[str, DocumentSection] = Field(
        default_factory=dict, description="SourceDocuments sections (segment 1)"
    )
