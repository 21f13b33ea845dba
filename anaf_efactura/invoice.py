"""The typed invoice / credit note payload: EN 16931 business terms with the CIUS-RO limits built in.

A model that validates here is meant to produce UBL that passes the XSD and the CIUS-RO Schematron
with zero fatal asserts (``tests/anaf_efactura/test_properties.py`` checks that with hypothesis), and
whose VAT rates are the Romanian rates in force on its tax point (``anaf_core.vat``). Field types and
parties are in ``anaf_efactura.terms``, lines and allowances in ``anaf_efactura.lines``, the totals in
``anaf_efactura.totals``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from anaf_core.vat import VatRateError, check_rate
from anaf_efactura.lines import AllowanceCharge, InvoiceLine, Taxed
from anaf_efactura.terms import (
    BUCHAREST_SECTORS,
    DEFAULT_EXEMPTIONS,
    RO_COUNTIES,
    Address,
    Contact,
    CurrencyCode,
    Delivery,
    ExemptCategory,
    Exemption,
    ItemAttribute,
    Party,
    Payment,
    PrecedingInvoice,
    Strict,
    Text100,
    Text200,
    Text300,
    VatCategory,
)
from anaf_efactura.totals import Totals, VatBreakdown, compute_totals

__all__ = [
    "BUCHAREST_SECTORS",
    "RO_COUNTIES",
    "Address",
    "AllowanceCharge",
    "Contact",
    "Delivery",
    "Exemption",
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


def _has_digit(value: str) -> str:
    if not re.search(r"[0-9]", value):
        raise ValueError("the invoice number must contain at least one digit (BR-RO-010)")
    return value


class Invoice(Strict):
    """An e-invoice (UBL ``Invoice``) or a credit note (UBL ``CreditNote``, type 381)."""

    document_type: Literal["invoice", "credit_note"] = "invoice"
    number: Annotated[Text200, AfterValidator(_has_digit)]
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
    #: BT-121/BT-120 per exempt category (overrides the defaults); ``exemption_reasons`` sets the text only
    exemptions: dict[ExemptCategory, Exemption] = Field(default_factory=dict)
    exemption_reasons: dict[VatCategory, Text100] = Field(default_factory=dict)
    #: record the exchange rate to RON in an invoice note (BT-22): EN 16931 has no term of its own for it
    exchange_rate_note: bool = True
    allowances_charges: list[AllowanceCharge] = Field(default_factory=list, max_length=1000)
    lines: list[InvoiceLine] = Field(min_length=1, max_length=10_000)

    @property
    def effective_type_code(self) -> str:
        return self.type_code or ("381" if self.document_type == "credit_note" else "380")

    @property
    def categories(self) -> set[str]:
        return {item.vat_category for _, item in self.taxed_items()}

    def taxed_items(self) -> list[tuple[str, Taxed]]:
        """Every item with a VAT category, named by its place in the payload (``lines[0]``, ...)."""
        return [
            *((f"lines[{i}]", line) for i, line in enumerate(self.lines)),
            *((f"allowances_charges[{i}]", item) for i, item in enumerate(self.allowances_charges)),
        ]

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
        if self.buyer.legal_form is not None:
            raise ValueError("buyer.legal_form has no EN 16931 term (BT-33 is the seller's; UBL-CR-243)")
        if len(self.all_notes) > 20:
            raise ValueError("at most 20 notes, the exchange rate note included (BR-RO-A020)")
        self._check_rates()
        self._category_rules()
        self._payment_rules()
        return self

    def _category_rules(self) -> None:
        categories = self.categories
        vat_needed = categories & {"S", "Z", "E", "AE", "K", "G"}
        if vat_needed and self.seller.vat_id is None:
            raise ValueError(
                f"seller.vat_id is required for VAT categories {sorted(vat_needed)} (BR-S/Z/E-02, BR-RO-065)"
            )
        if "O" in categories:
            if categories != {"O"}:
                raise ValueError(
                    "an invoice with 'O' (not subject to VAT) items may not have other categories (BR-O-11..14)"
                )
            if self.seller.vat_id or self.buyer.vat_id:
                raise ValueError("'O' invoices carry no seller or buyer VAT identifier (BR-O-02)")
        if "K" in categories:
            if self.buyer.vat_id is None:
                raise ValueError("intra-community supply (K) needs buyer.vat_id (BR-IC-02)")
            if (
                self.delivery is None
                or self.delivery.address is None
                or (self.delivery.date is None and not (self.period_start or self.period_end))
            ):
                raise ValueError("intra-community supply (K) needs delivery.address and a delivery date or period")
        self._exemption_rules(categories)

    def _exemption_rules(self, categories: set[str]) -> None:
        for category in (*self.exemptions, *self.exemption_reasons):
            if category not in categories:
                raise ValueError(f"an exemption for category {category} but no item has that category")
            if category in ("S", "Z"):
                raise ValueError(f"category {category} carries no exemption reason (BR-S-10, BR-Z-10)")
        both = set(self.exemptions) & set(self.exemption_reasons)
        if both:
            raise ValueError(f"give the exemption of {sorted(both)} in 'exemptions' only")

    @property
    def all_notes(self) -> list[str]:
        """BT-22: the caller's notes, then the exchange rate used (non-RON invoices, ``exchange_rate_note``)."""
        if self.tax_exchange_rate is None or not self.exchange_rate_note:
            return list(self.notes)
        rate = f"{self.tax_exchange_rate.normalize():f}"
        return [*self.notes, f"Curs de schimb utilizat pentru TVA: 1 {self.currency} = {rate} RON"]

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
        """Every standard rated item carries a Romanian rate in force on the tax point (or a named exception)."""
        base = tuple(p.issue_date for p in self.preceding_invoices if p.issue_date is not None)
        for where, item in self.taxed_items():
            if item.vat_category != "S" or item.vat_rate is None:
                continue
            try:
                check_rate(item.vat_rate, self.tax_point, item.vat_exception, base)
            except VatRateError as exc:
                raise PydanticCustomError(
                    exc.code, "{where}: {detail}", {"where": where, "detail": exc.message, **exc.context}
                ) from None

    def exemption_texts(self) -> dict[str, tuple[str | None, str | None]]:
        """VAT exemption reason code and text (BT-121, BT-120) per exempt category."""
        out: dict[str, tuple[str | None, str | None]] = dict(DEFAULT_EXEMPTIONS)
        for category, reason in self.exemption_reasons.items():
            out[category] = (out.get(category, (None, None))[0], reason)
        for category, given in self.exemptions.items():
            out[category] = (given.code, given.reason)
        return out

    def totals(self) -> Totals:
        """EN 16931 totals and the VAT breakdown per (category, rate), rounded half-up to cents (BR-CO-17)."""
        return compute_totals(self.lines, self.allowances_charges, self.exemption_texts(), self.tax_exchange_rate)

    @property
    def buyer_abroad(self) -> bool:
        """The buyer is outside Romania: ANAF's ``extern=DA`` upload flag applies."""
        return self.buyer.address.country != "RO"

    def extern_problem(self, extern: bool) -> str | None:
        """Why the ``extern`` upload flag does not fit this document, or None."""
        if extern and not self.buyer_abroad:
            return "'extern' (extern=DA) is for a buyer outside Romania; this buyer's address is in RO"
        return None
