"""The business terms of the invoice model: text and code types with the CIUS-RO limits, parties, addresses.

Shared by ``anaf_efactura.invoice`` (the document) and its lines and allowances. Lengths are the CIUS-RO
BR-RO-Lxxx limits; code lists are checked for shape only (their membership is the Schematron's BR-CL-*).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from anaf_core.cui import cui_problem

__all__ = [
    "BUCHAREST_SECTORS",
    "CENT",
    "DEFAULT_EXEMPTIONS",
    "RO_COUNTIES",
    "Address",
    "Amount",
    "Contact",
    "CountryCode",
    "CurrencyCode",
    "Delivery",
    "ExemptCategory",
    "Exemption",
    "ItemAttribute",
    "Party",
    "Payment",
    "PrecedingInvoice",
    "Strict",
    "Text50",
    "Text100",
    "Text140",
    "Text150",
    "Text200",
    "Text300",
    "Text1000",
    "UnitCode",
    "VatCategory",
    "VatId",
]

RO_COUNTIES = frozenset(
    "RO-AB RO-AG RO-AR RO-B RO-BC RO-BH RO-BN RO-BR RO-BT RO-BV RO-BZ RO-CJ RO-CL RO-CS RO-CT RO-CV RO-DB RO-DJ "
    "RO-GJ RO-GL RO-GR RO-HD RO-HR RO-IF RO-IL RO-IS RO-MH RO-MM RO-MS RO-NT RO-OT RO-PH RO-SB RO-SJ RO-SM RO-SV "
    "RO-TL RO-TM RO-TR RO-VL RO-VN RO-VS".split()
)
BUCHAREST_SECTORS = ("SECTOR1", "SECTOR2", "SECTOR3", "SECTOR4", "SECTOR5", "SECTOR6")
CENT = Decimal("0.01")
EMAIL_RE = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.]*)[^.\s@]@[^.\s@]([0-9a-zA-Z.]*)[0-9a-zA-Z]$")


def _xml_safe(value: str) -> str:
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn") or ch in "\ufffe\uffff":
            raise ValueError(f"character U+{ord(ch):04X} is not allowed")
    return value


def _limit(n: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=n)


_SAFE = AfterValidator(_xml_safe)
# trimmed, non-empty, XML-safe strings with the BR-RO-Lxxx length limits
Text50 = Annotated[str, _limit(50), _SAFE]
Text100 = Annotated[str, _limit(100), _SAFE]
Text140 = Annotated[str, _limit(140), _SAFE]
Text150 = Annotated[str, _limit(150), _SAFE]
Text200 = Annotated[str, _limit(200), _SAFE]
Text300 = Annotated[str, _limit(300), _SAFE]
Text1000 = Annotated[str, _limit(1000), _SAFE]
PostalCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9 -]+$")
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,3}$")]
Amount = Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False)]
VatCategory = Literal["S", "Z", "E", "AE", "K", "G", "O"]

#: Default VATEX code and reason per exempt category (BR-E/AE/K/G/O-10 need a code or a text).
DEFAULT_EXEMPTIONS: dict[str, tuple[str | None, str]] = {
    "E": (None, "Scutit de TVA"),
    "AE": ("VATEX-EU-AE", "Taxare inversa"),
    "K": ("VATEX-EU-IC", "Livrare intracomunitara scutita"),
    "G": ("VATEX-EU-G", "Export scutit de TVA"),
    "O": ("VATEX-EU-O", "Operatiune neimpozabila"),
}


def _vat_id(value: str) -> str:
    v = value.strip().upper().replace(" ", "")
    if not re.match(r"^[A-Z]{2}[A-Z0-9]{2,13}$", v):
        raise ValueError("a VAT identifier starts with the 2-letter country prefix (e.g. RO4221306)")
    problem = cui_problem(v, vat_id=True)
    if problem is not None:
        raise ValueError(f"RO VAT identifier with an invalid check digit: {problem}")
    return v


VatId = Annotated[str, AfterValidator(_vat_id)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(Strict):
    """Postal address (BG-5/BG-8/BG-15); for Romania the county (ISO 3166-2:RO) is required."""

    street: Text150
    additional_street: Text100 | None = None
    city: Text50
    postal_code: PostalCode | None = None
    county: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    country: CountryCode = "RO"

    @model_validator(mode="after")
    def _romania(self) -> Address:
        if self.country == "RO":
            if self.county not in RO_COUNTIES:
                raise ValueError("for RO addresses 'county' must be an ISO 3166-2:RO code such as RO-B or RO-CJ")
            if self.county == "RO-B":
                sector = re.sub(r"[\s_-]+", "", self.city.upper())
                if sector not in BUCHAREST_SECTORS:
                    raise ValueError("in Bucharest (RO-B) 'city' must be SECTOR1..SECTOR6")
                self.city = sector
        return self


class Contact(Strict):
    name: Text100 | None = None
    phone: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^.*([0-9].*){3,}.*$")] | None
    ) = None
    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(_xml_safe)] | None
    ) = None

    @model_validator(mode="after")
    def _email(self) -> Contact:
        if self.email is not None and not EMAIL_RE.match(self.email):
            raise ValueError("invalid e-mail address")
        return self


class Party(Strict):
    """Seller or buyer. ``vat_id`` = BT-31/48 (RO + CUI when VAT-registered); ``legal_id`` = BT-30/47."""

    name: Text200
    trading_name: Text200 | None = None
    vat_id: VatId | None = None
    legal_id: Text200 | None = None
    legal_form: Text1000 | None = None
    address: Address
    contact: Contact | None = None

    @model_validator(mode="after")
    def _identified(self) -> Party:
        if self.vat_id is None and self.legal_id is None:
            raise ValueError("give 'vat_id' and/or 'legal_id' (BR-CO-26, BR-RO-065/120)")
        romanian = self.address.country == "RO" or (self.vat_id or "").startswith("RO")
        if self.legal_id is not None and (romanian or self.legal_id.upper().startswith("RO")):
            problem = cui_problem(self.legal_id, vat_id=False)
            if problem is not None:
                raise ValueError(f"legal_id (BT-30/BT-47) {problem}")
        return self


class ItemAttribute(Strict):
    name: Text50
    value: Text100


class Payment(Strict):
    """Payment instructions (BG-16): UNTDID 4461 code; credit transfers (30, 58) need the IBAN (BR-61)."""

    means_code: Literal["1", "10", "20", "30", "31", "42", "48", "49", "57", "58", "59", "97", "ZZZ"] = "30"
    iban: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}$")] | None
    ) = None
    account_name: Text200 | None = None
    payment_id: Text140 | None = None

    @model_validator(mode="after")
    def _account(self) -> Payment:
        if self.means_code in ("30", "58") and not self.iban:
            raise ValueError("credit transfer (30/58) needs the payee 'iban' (BR-61)")
        return self


class PrecedingInvoice(Strict):
    number: Text200
    issue_date: dt.date | None = None


class Delivery(Strict):
    """Deliver-to information (BG-13/15); intra-community supplies (K) need a date and a country.

    ``country`` (BT-80) alone cannot be filed: CIUS-RO makes the street (BR-RO-180), city (BR-RO-201) and
    subdivision (BR-RO-211) mandatory in any deliver-to address, so a country-only delivery is refused here.
    """

    date: dt.date | None = None
    party_name: Text200 | None = None
    address: Address | None = None
    country: CountryCode | None = None

    @model_validator(mode="after")
    def _subentity(self) -> Delivery:
        if self.address is not None and not self.address.county:
            raise ValueError("a delivery address needs 'county' (country subdivision, BR-RO-211)")
        if self.country is not None:
            if self.address is None:
                raise ValueError(
                    "a delivery given by country only cannot be filed: CIUS-RO requires the street (BR-RO-180), "
                    "city (BR-RO-201) and country subdivision (BR-RO-211) of any deliver-to address; give "
                    "'delivery.address'"
                )
            if self.address.country != self.country:
                raise ValueError("'delivery.country' differs from 'delivery.address.country'")
        return self


ExemptCategory = Literal["E", "AE", "K", "G", "O"]


class Exemption(Strict):
    """VAT exemption reason (BT-121 code from the CEF VATEX list, BT-120 text) of one exempt category."""

    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^VATEX-[A-Z0-9-]{1,30}$")] | None = None
    reason: Text100 | None = None

    @model_validator(mode="after")
    def _given(self) -> Exemption:
        if self.code is None and self.reason is None:
            raise ValueError("an exemption needs a 'code' (VATEX) and/or a 'reason' text (BR-E-10 and siblings)")
        return self
