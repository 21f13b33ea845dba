"""e-Transport payloads: the declaration model (every document kind, with ANAF's cross-field rules) and task results.

Field names are English; each field's description names the XML attribute it becomes. The model
enforces, before any XML exists, the XSD facets and the Schematron v2.0.2 business rules that can be
checked locally (rule ids quoted in the error messages), so a bad declaration never reaches ANAF.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from anaf_etransport.codes import (
    BORDER_POINTS,
    CONFIRMATION_TYPES,
    COUNTY_CODES,
    DOCUMENT_TYPES,
    EU_COUNTRIES,
    OPERATION_TYPES,
    PURPOSE_CODES,
    PURPOSES_BY_OPERATION,
)
from anaf_etransport.uit import uit_problem

__all__ = [
    "Confirmation",
    "Declaration",
    "Deletion",
    "EtransportPollRequest",
    "EtransportResult",
    "EtransportSubmitRequest",
    "Goods",
    "Location",
    "Notification",
    "Partner",
    "PreviousNotification",
    "RoutePoint",
    "TransportData",
    "TransportDocument",
    "VehicleChange",
]

_TIN = re.compile(r"^(([1-9][0-9]{12})|([1-9][0-9]{1,9}))$")
_NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"


_TEXT = {"strip_whitespace": True, "pattern": _NO_CONTROL}
Str20 = Annotated[str, StringConstraints(min_length=1, max_length=20, **_TEXT)]
Str30 = Annotated[str, StringConstraints(min_length=1, max_length=30, **_TEXT)]
Str50 = Annotated[str, StringConstraints(min_length=1, max_length=50, **_TEXT)]
Str100 = Annotated[str, StringConstraints(min_length=2, max_length=100, **_TEXT)]
Str200 = Annotated[str, StringConstraints(min_length=1, max_length=200, **_TEXT)]
Cod30 = Annotated[str, StringConstraints(min_length=1, max_length=30, **_TEXT)]
Plate = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{2,20}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Dec12_2 = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


def _check_uit(value: str) -> str:
    problem = uit_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Uit = Annotated[
    str, AfterValidator(_check_uit), Field(description="UIT: 16 chars, check digits verified (BR-003, BR-019)")
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Model):
    """``locatie``: a Romanian address (start or end of the road route)."""

    county_code: str = Field(description="codJudet (1..40, 51, 52; 40 = Bucharest)")
    locality: Str100 = Field(description="denumireLocalitate (2-100 chars, BR-214)")
    street: Str100 = Field(description="denumireStrada (2-100 chars, BR-215)")
    number: Str20 | None = Field(default=None, description="numar")
    block: Str30 | None = Field(default=None, description="bloc")
    entrance: Str20 | None = Field(default=None, description="scara")
    floor: Str20 | None = Field(default=None, description="etaj")
    apartment: Str20 | None = Field(default=None, description="apartament")
    other_info: Str200 | None = Field(default=None, description="alteInfo")
    postal_code: Str20 | None = Field(default=None, description="codPostal")

    @field_validator("county_code")
    @classmethod
    def _county(cls, v: str) -> str:
        if v not in COUNTY_CODES:
            raise ValueError("county_code must be one of listJudet: 1..40, 51, 52 (BR-CL-002)")
        return v


class RoutePoint(_Model):
    """``locStartTraseuRutier`` / ``locFinalTraseuRutier``: exactly one of an address, a border point or a customs office."""

    location: Location | None = Field(default=None, description="locatie")
    border_point: int | None = Field(default=None, description="@codPtf (1..38)")
    customs_office: Annotated[str, StringConstraints(pattern=r"^[0-9]{5,6}$")] | None = Field(
        default=None, description="@codBirouVamal"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> RoutePoint:
        given = [x for x in (self.location, self.border_point, self.customs_office) if x is not None]
        if len(given) != 1:
            raise ValueError("exactly one of location, border_point, customs_office is required (BR-210/BR-211)")
        if self.border_point is not None and self.border_point not in BORDER_POINTS:
            raise ValueError("border_point must be 1..38 (BR-CL-006)")
        return self


class Goods(_Model):
    """``bunuriTransportate``: one line of transported goods."""

    purpose_code: str = Field(description="codScopOperatiune (see codes.PURPOSE_CODES)")
    tariff_code: Annotated[str, StringConstraints(pattern=r"^([0-9]{4}|[0-9]{6}|[0-9]{8})$")] | None = Field(
        default=None, description="codTarifar (NC code, 4/6/8 digits; required except operations 60/70)"
    )
    name: Str200 = Field(description="denumireMarfa")
    quantity: Dec12_2 = Field(gt=0, description="cantitate (> 0, 2 decimals)")
    unit_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{2,3}$")] = Field(
        description="codUnitateMasura (UN/ECE rec. 20/21, e.g. KGM, H87, LTR)"
    )
    net_weight_kg: Dec12_2 | None = Field(default=None, gt=0, description="greutateNeta (kg)")
    gross_weight_kg: Dec12_2 = Field(gt=0, description="greutateBruta (kg)")
    value_ron: Dec12_2 | None = Field(default=None, ge=0, description="valoareLeiFaraTva (RON, without VAT)")
    ref: Str50 | None = Field(default=None, description="refDeclarant of the line")

    @field_validator("purpose_code")
    @classmethod
    def _purpose(cls, v: str) -> str:
        if v not in PURPOSE_CODES:
            raise ValueError("purpose_code must be one of listScopOperatiune (BR-CL-005)")
        return v

    @model_validator(mode="after")
    def _weights(self) -> Goods:
        if self.net_weight_kg is not None and self.gross_weight_kg < self.net_weight_kg:
            raise ValueError("gross_weight_kg must be >= net_weight_kg (BR-020)")
        return self


class Partner(_Model):
    """``partenerComercial``: the commercial partner."""

    country_code: Country = Field(description="codTara (ISO 3166-1 alpha-2; Greece is EL)")
    code: Cod30 | None = Field(default=None, description="cod (fiscal code; 'PF' for an unknown Romanian person)")
    name: Str200 = Field(description="denumire")


class TransportData(_Model):
    """``dateTransport``: vehicle and transport organiser."""

    vehicle_no: Plate = Field(description="nrVehicul ([0-9A-Z]{2,20})")
    trailer1: Plate | None = Field(default=None, description="nrRemorca1")
    trailer2: Plate | None = Field(default=None, description="nrRemorca2")
    carrier_country: Country = Field(description="codTaraOrgTransport")
    carrier_code: Cod30 | None = Field(default=None, description="codOrgTransport")
    carrier_name: Str200 = Field(description="denumireOrgTransport")
    transport_date: dt.date = Field(description="dataTransport")


class TransportDocument(_Model):
    """``documenteTransport``: a document that travels with the goods."""

    type_code: str = Field(description="tipDocument: 10 CMR, 20 invoice, 30 aviz, 9999 other")
    number: Str50 | None = Field(default=None, description="numarDocument")
    date: dt.date = Field(description="dataDocument")
    notes: Str200 | None = Field(default=None, description="observatii (required for 9999, BR-026)")

    @model_validator(mode="after")
    def _type(self) -> TransportDocument:
        if self.type_code not in DOCUMENT_TYPES:
            raise ValueError("type_code must be 10, 20, 30 or 9999 (BR-CL-009)")
        if self.type_code == "9999" and not self.notes:
            raise ValueError("notes are required when type_code is 9999 (BR-026)")
        return self


class PreviousNotification(_Model):
    """``notificareAnterioara``: an earlier UIT this transport continues (intra-EU operations only)."""

    uit: Uit
    notes: Str200 | None = None
    ref: Str50 | None = None


class Notification(_Model):
    """``notificare``: declares a transport (or, with ``corrects_uit``, corrects an issued one)."""

    kind: Literal["notificare"] = "notificare"
    operation_type: str = Field(description="codTipOperatiune (see codes.OPERATION_TYPES)")
    corrects_uit: Uit | None = Field(default=None, description="corectie@uit: makes this a correction")
    goods: list[Goods] = Field(min_length=1, max_length=1000, description="bunuriTransportate")
    partner: Partner = Field(description="partenerComercial")
    transport: TransportData = Field(description="dateTransport")
    start: RoutePoint = Field(description="locStartTraseuRutier")
    end: RoutePoint = Field(description="locFinalTraseuRutier")
    documents: list[TransportDocument] = Field(min_length=1, max_length=100, description="documenteTransport")
    previous: list[PreviousNotification] = Field(
        default_factory=list, max_length=100, description="notificareAnterioara"
    )

    @model_validator(mode="after")
    def _rules(self) -> Notification:
        op = self.operation_type
        if op not in OPERATION_TYPES:
            raise ValueError("operation_type must be one of listTipOperatiune (BR-CL-004)")
        country = self.partner.country_code
        problems: list[str] = []
        if op in {"10", "12", "14", "20", "22", "24", "60", "70"} and (country not in EU_COUNTRIES or country == "RO"):
            problems.append("BR-004: intra-EU operations need a partner from another EU member state")
        if op == "30":
            if country != "RO":
                problems.append("BR-005: domestic transport (30) needs a Romanian partner")
            if not (self.partner.code and (_TIN.match(self.partner.code) or self.partner.code == "PF")):
                problems.append("BR-007: domestic transport needs a valid Romanian partner code or 'PF'")
        if op in {"40", "50"} and country in EU_COUNTRIES:
            problems.append("BR-006: import/export needs a partner outside the EU")
        if op in {"30", "40", "50", "60", "70"} and self.previous:
            problems.append("BR-025: previous notifications are only allowed for intra-EU operations 10-24")
        if op in {"20", "22", "24", "30", "50", "70"} and self.start.border_point is not None:
            problems.append("BR-212: this operation cannot start at a border point")
        if op in {"12", "14", "30", "40", "60"} and self.end.border_point is not None:
            problems.append("BR-213: this operation cannot end at a border point")
        if self.start.customs_office is not None and op != "40":
            problems.append("BR-216: only imports (40) start at a customs office")
        if self.end.customs_office is not None and op != "50":
            problems.append("BR-217: only exports (50) end at a customs office")
        carrier = self.transport
        if carrier.carrier_country == "RO":
            code = carrier.carrier_code or ""
            if op != "30" and not _TIN.match(code):
                problems.append("BR-043: a Romanian carrier needs a valid fiscal code")
            if op == "30" and not (_TIN.match(code) or code == "PF"):
                problems.append("BR-209: a Romanian carrier needs a valid fiscal code or 'PF'")
        allowed = PURPOSES_BY_OPERATION.get(op)
        for i, g in enumerate(self.goods):
            if allowed is not None and g.purpose_code not in allowed:
                rule = {"10": "BR-068", "20": "BR-069", "30": "BR-070"}.get(op, "BR-205")
                problems.append(f"goods[{i}]: purpose {g.purpose_code} not allowed for operation {op} ({rule})")
            if op not in {"60", "70"}:
                if g.tariff_code is None:
                    problems.append(f"goods[{i}]: tariff_code required (BR-206)")
                if g.net_weight_kg is None:
                    problems.append(f"goods[{i}]: net_weight_kg required (BR-207)")
                if g.value_ron is None:
                    problems.append(f"goods[{i}]: value_ron required (BR-208)")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Deletion(_Model):
    """``stergere``: deletes an issued UIT."""

    kind: Literal["stergere"] = "stergere"
    uit: Uit


class Confirmation(_Model):
    """``confirmare``: the receiver confirms (10), partially confirms (20) or rejects (30) a transport."""

    kind: Literal["confirmare"] = "confirmare"
    uit: Uit
    confirmation_type: str = Field(description="tipConfirmare: 10, 20 or 30")
    notes: Str200 | None = Field(default=None, description="observatii")

    @field_validator("confirmation_type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in CONFIRMATION_TYPES:
            raise ValueError("confirmation_type must be 10, 20 or 30 (BR-CL-008)")
        return v


class VehicleChange(_Model):
    """``modifVehicul``: changes the vehicle (the only change allowed once the transport started)."""

    kind: Literal["modifVehicul"] = "modifVehicul"
    uit: Uit
    vehicle_no: Plate = Field(description="nrVehicul")
    trailer1: Plate | None = Field(default=None, description="nrRemorca1")
    trailer2: Plate | None = Field(default=None, description="nrRemorca2")
    changed_at: dt.datetime = Field(description="dataModificare (yyyy-mm-ddThh:mm:ss, BR-203; Romania local time)")
    notes: Str200 | None = Field(default=None, description="observatii")


Document = Annotated[Notification | Deletion | Confirmation | VehicleChange, Field(discriminator="kind")]


class Declaration(_Model):
    """``eTransport``: the declarant and exactly one document."""

    declarant_code: str = Field(description="codDeclarant: CUI/CNP/NIF without RO (BR-002)")
    declarant_ref: Str50 | None = Field(default=None, description="refDeclarant (your reference, <= 50 chars)")
    post_outage: bool = Field(default=False, description="declPostAvarie='D': filed after an e-Transport outage")
    document: Document

    @field_validator("declarant_code")
    @classmethod
    def _declarant(cls, v: str) -> str:
        v = v.strip()
        if not _TIN.match(v):
            raise ValueError("declarant_code must be 13 digits or 2-10 digits without a leading zero (BR-002)")
        return v


class EtransportSubmitRequest(_Model):
    """``etransport.submit`` payload: a declaration model (or ready e-Transport v2 XML) for one CIF."""

    cif: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{1,12}$")] | None = Field(
        default=None, description="CIF the upload is filed for (SPV rights); defaults to the declarant code"
    )
    declaration: Declaration | None = None
    xml: Annotated[str, StringConstraints(max_length=10 * 1024 * 1024)] | None = Field(
        default=None, description="ready e-Transport v2 XML instead of a declaration (validated the same way)"
    )
    idempotency_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,128}$")] | None = Field(
        default=None, description="caller's key (e.g. shipment id); defaults to the XML digest and CIF"
    )

    @model_validator(mode="after")
    def _one_source(self) -> EtransportSubmitRequest:
        if (self.declaration is None) == (self.xml is None):
            raise ValueError("give exactly one of declaration, xml")
        return self


class EtransportPollRequest(_Model):
    """``etransport.poll`` payload (scheduled by the worker itself)."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    attempt: int = Field(default=0, ge=0)


class EtransportResult(BaseModel):
    """Outcome of a submission: the UIT counts as valid only once ANAF says ``ok``."""

    key: str
    cif: str
    kind: str
    state: Literal["processing", "ok", "nok"]
    index_incarcare: int | None = None
    uit: str | None = None
    uit_valid: bool = False
    declarant_ref: str | None = None
    xml_sha256: str
    xml_artifact: str | None = None
    errors: list[str] = Field(default_factory=list)
    duplicate: bool = Field(default=False, description="true when this request had already been filed")
    validated_with: list[dict[str, str]] = Field(
        default_factory=list, description="official artefacts (name, version) the declaration was validated against"
    )
