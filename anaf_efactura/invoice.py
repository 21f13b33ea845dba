"""The typed invoice / credit note payload: EN 16931 business terms with the CIUS-RO limits built in.

A model that validates here is meant to produce UBL that passes the XSD and the CIUS-RO Schematron
with zero fatal asserts (``tests/anaf_efactura/test_properties.py`` checks that with hypothesis).
Code lists (currency, unit, country codes) are checked for shape only; membership is left to the
Schematron (BR-CL-*) which reports it as a structured error before anything is uploaded.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from anaf_core.cui import cui_problem
from anaf_core.vat import VatExceptionCode, VatRateError, check_rate

__all__ = [
    "Address",
    "Contact",
    "Delivery",
    "Invoice",
    "InvoiceLine",
    "ItemAttribute",
    "Party",
    "Payment",
    "PrecedingInvoice",
    "Totals",
    "VatBreakdown",
    "VatCategory",
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


class InvoiceLine(Strict):
    name: Text100
    description: Text200 | None = None
    note: Text300 | None = None
    quantity: Amount
    unit_code: UnitCode = "H87"
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
    vat_category: VatCategory = "S"
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] | None = None
    #: an allowed exception to the rates in force on the tax point (anaf_core.vat.EXCEPTIONS)
    vat_exception: VatExceptionCode | None = None
    seller_item_id: Text200 | None = None
    attributes: list[ItemAttribute] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _vat(self) -> InvoiceLine:
        if self.quantity == 0:
            raise ValueError("quantity must not be zero")
        if self.vat_category == "S":
            if self.vat_rate is None or self.vat_rate <= 0:
                raise ValueError("standard rated (S) lines need a vat_rate > 0")
        elif self.vat_exception is not None:
            raise ValueError("'vat_exception' applies to standard rated (S) lines only")
        elif self.vat_category == "O":
            if self.vat_rate not in (None, Decimal(0)):
                raise ValueError("lines not subject to VAT (O) carry no vat_rate")
            self.vat_rate = None
        else:
            if self.vat_rate not in (None, Decimal(0)):
                raise ValueError(f"{self.vat_category} lines have a vat_rate of 0")
            self.vat_rate = Decimal(0)
        return self

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


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
    """Deliver-to information (BG-13/15); intra-community supplies (K) need a date and a country."""

    date: dt.date | None = None
    party_name: Text200 | None = None
    address: Address | None = None

    @model_validator(mode="after")
    def _subentity(self) -> Delivery:
        if self.address is not None and not self.address.county:
            raise ValueError("a delivery address needs 'county' (country subdivision, BR-RO-211)")
        return self


class VatBreakdown(BaseModel):
    category: str
    rate: Decimal | None
    taxable: Decimal
    tax: Decimal
    exemption_code: str | None
    exemption_reason: str | None


class Totals(BaseModel):
    lines: Decimal
    tax_exclusive: Decimal
    tax: Decimal
    tax_inclusive: Decimal
    payable: Decimal
    tax_in_ron: Decimal | None
    breakdown: list[VatBreakdown]


class Invoice(Strict):
    """An e-invoice (UBL ``Invoice``) or a credit note (UBL ``CreditNote``, type 381)."""

    document_type: Literal["invoice", "credit_note"] = "invoice"
    number: Annotated[Text200, AfterValidator(lambda v: _has_digit(v))]
    issue_date: dt.date
    #: BT-7, the date the VAT became chargeable when it differs from the issue date (not with vat_point_code)
    tax_point_date: dt.date | None = None
    due_date: dt.date | None = None
    type_code: Literal["380", "381", "384", "389", "751"] | None = None
    currency: CurrencyCode = "RON"
    tax_exchange_rate: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=6)] | None = None
    vat_point_code: Literal["3", "35", "432"] | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    notes: list[Text300] = Field(default_factory=list, max_length=20)
    buyer_reference: Text200 | None = None
    order_reference: Text200 | None = None
    contract_reference: Text200 | None = None
    preceding_invoices: list[PrecedingInvoice] = Field(default_factory=list, max_length=500)
    seller: Party
    buyer: Party
    delivery: Delivery | None = None
    payment: Payment | None = None
    payment_terms: Text300 | None = None
    exemption_reasons: dict[VatCategory, Text100] = Field(default_factory=dict)
    lines: list[InvoiceLine] = Field(min_length=1, max_length=10_000)

    @property
    def effective_type_code(self) -> str:
        return self.type_code or ("381" if self.document_type == "credit_note" else "380")

    @model_validator(mode="after")
    def _rules(self) -> Invoice:
        code = self.effective_type_code
        if (self.document_type == "credit_note") != (code == "381"):
            raise ValueError("credit notes use type_code 381; invoices 380, 384, 389 or 751 (BR-RO-020)")
        if self.currency != "RON" and self.tax_exchange_rate is None:
            raise ValueError("a non-RON invoice needs 'tax_exchange_rate' to RON (BR-RO-030, BR-53)")
        if self.currency == "RON" and self.tax_exchange_rate is not None:
            raise ValueError("'tax_exchange_rate' is only for invoices in another currency")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start (BR-29)")
        if self.tax_point_date is not None and self.vat_point_code is not None:
            raise ValueError("give 'tax_point_date' (BT-7) or 'vat_point_code' (BT-8), not both (BR-CO-3)")
        self._check_rates()
        categories = {line.vat_category for line in self.lines}
        vat_needed = categories & {"S", "Z", "E", "AE", "K", "G"}
        if vat_needed and self.seller.vat_id is None:
            raise ValueError(
                f"seller.vat_id is required for VAT categories {sorted(vat_needed)} (BR-S/Z/E-02, BR-RO-065)"
            )
        if "O" in categories:
            if categories != {"O"}:
                raise ValueError(
                    "an invoice with 'O' (not subject to VAT) lines may not have other categories (BR-O-11)"
                )
            if self.seller.vat_id or self.buyer.vat_id:
                raise ValueError("'O' invoices carry no seller or buyer VAT identifier (BR-O-02)")
        if "K" in categories:
            if self.buyer.vat_id is None:
                raise ValueError("intra-community supply (K) needs buyer.vat_id (BR-K-02)")
            if (
                self.delivery is None
                or self.delivery.address is None
                or (self.delivery.date is None and not (self.period_start or self.period_end))
            ):
                raise ValueError("intra-community supply (K) needs delivery.address and a delivery date or period")
        self._payment_rules()
        return self

    def _payment_rules(self) -> None:
        if self.document_type == "invoice":  # BR-CO-25 is a rule of /ubl:Invoice only
            if self.totals().payable > 0 and self.payment_terms is None and not self.due_date:
                raise ValueError("a positive amount due needs 'due_date' or 'payment_terms' (BR-CO-25)")
        elif self.due_date is not None and self.payment is None:
            raise ValueError(
                "a credit note carries its due date (BT-9) in the payment instructions (cac:PaymentMeans): "
                "give 'payment' with its means code, or no 'due_date'"
            )

    @property
    def tax_point(self) -> dt.date:
        """The date whose VAT rates apply: BT-7, else the delivery date when BT-8 says so (35), else the issue date."""
        if self.tax_point_date is not None:
            return self.tax_point_date
        if self.vat_point_code == "35" and self.delivery is not None and self.delivery.date is not None:
            return self.delivery.date
        return self.issue_date

    def _check_rates(self) -> None:
        """Every standard rated line carries a Romanian rate in force on the tax point (or a named exception)."""
        base = tuple(p.issue_date for p in self.preceding_invoices if p.issue_date is not None)
        for index, line in enumerate(self.lines):
            if line.vat_category != "S" or line.vat_rate is None:
                continue
            try:
                check_rate(line.vat_rate, self.tax_point, line.vat_exception, base)
            except VatRateError as exc:
                raise PydanticCustomError(
                    exc.code, "lines[{line}]: {detail}", {"line": index, "detail": exc.message, **exc.context}
                ) from None

    def totals(self) -> Totals:
        """Line sums and the VAT breakdown per (category, rate), rounded half-up to cents (BR-CO-17)."""
        groups: dict[tuple[str, Decimal | None], Decimal] = {}
        for line in self.lines:
            key = (line.vat_category, line.vat_rate)
            groups[key] = groups.get(key, Decimal(0)) + line.net_amount
        breakdown = []
        for (category, rate), taxable in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            tax = (taxable * (rate or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            code, reason = DEFAULT_EXEMPTIONS.get(category, (None, None))
            if category in self.exemption_reasons:
                reason = self.exemption_reasons[category]
            breakdown.append(
                VatBreakdown(
                    category=category, rate=rate, taxable=taxable, tax=tax, exemption_code=code, exemption_reason=reason
                )
            )
        lines_total = sum((b.taxable for b in breakdown), Decimal(0))
        tax = sum((b.tax for b in breakdown), Decimal(0))
        tax_ron = (
            (tax * self.tax_exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP) if self.tax_exchange_rate else None
        )
        return Totals(
            lines=lines_total,
            tax_exclusive=lines_total,
            tax=tax,
            tax_inclusive=lines_total + tax,
            payable=lines_total + tax,
            tax_in_ron=tax_ron,
            breakdown=breakdown,
        )


def _has_digit(value: str) -> str:
    if not re.search(r"[0-9]", value):
        raise ValueError("the invoice number must contain at least one digit (BR-RO-010)")
    return value
