"""The taxed items of an invoice: lines (BG-25) and document-level allowances (BG-20) and charges (BG-21).

Both carry a VAT category and rate with the same rules: S needs a rate > 0 (checked against the Romanian rate
table by ``anaf_efactura.invoice``), O carries none, every other category carries 0.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from anaf_core.vat import VatExceptionCode
from anaf_efactura.terms import CENT, Amount, ItemAttribute, Strict, Text100, Text200, Text300, UnitCode, VatCategory

__all__ = ["AllowanceCharge", "InvoiceLine", "Taxed"]

Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Money2 = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, allow_inf_nan=False)]


class Taxed(Strict):
    vat_category: VatCategory = "S"
    vat_rate: Rate | None = None
    #: an allowed exception to the rates in force on the tax point (anaf_core.vat.EXCEPTIONS)
    vat_exception: VatExceptionCode | None = None

    def _normalise_vat(self, what: str) -> None:
        if self.vat_category == "S":
            if self.vat_rate is None or self.vat_rate <= 0:
                raise ValueError(f"standard rated (S) {what} need a vat_rate > 0")
        elif self.vat_exception is not None:
            raise ValueError("'vat_exception' applies to standard rated (S) items only")
        elif self.vat_category == "O":
            if self.vat_rate not in (None, Decimal(0)):
                raise ValueError(f"{what} not subject to VAT (O) carry no vat_rate")
            self.vat_rate = None
        else:
            if self.vat_rate not in (None, Decimal(0)):
                raise ValueError(f"{self.vat_category} {what} have a vat_rate of 0")
            self.vat_rate = Decimal(0)


class InvoiceLine(Taxed):
    name: Text100
    description: Text200 | None = None
    note: Text300 | None = None
    quantity: Amount
    unit_code: UnitCode = "H87"
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)]
    seller_item_id: Text200 | None = None
    attributes: list[ItemAttribute] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _vat(self) -> InvoiceLine:
        if self.quantity == 0:
            raise ValueError("quantity must not be zero")
        self._normalise_vat("lines")
        return self

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


class AllowanceCharge(Taxed):
    """A document-level allowance (BG-20, ``charge=false``) or charge (BG-21, ``charge=true``).

    ``amount`` (BT-92/99) is given, or computed from ``base_amount`` (BT-93/100) x ``percentage`` (BT-94/101)
    rounded half-up to cents. A reason text (BT-97/104) or code (BT-98/105: UNTDID 5189 for allowances,
    UNTDID 7161 for charges) is required (BR-33, BR-38).
    """

    charge: bool = False
    amount: Money2 | None = None
    base_amount: Money2 | None = None
    percentage: Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4)] | None = None
    reason: Text100 | None = None
    reason_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9]{1,3}$")] | None = None

    @model_validator(mode="after")
    def _rules(self) -> AllowanceCharge:
        kind = "charges" if self.charge else "allowances"
        if self.reason is None and self.reason_code is None:
            raise ValueError(f"document level {kind} need a 'reason' or a 'reason_code' (BR-33, BR-38)")
        if (self.percentage is None) != (self.base_amount is None):
            raise ValueError("'percentage' and 'base_amount' go together (BT-93/94, BT-100/101)")
        if self.percentage is not None and self.base_amount is not None:
            computed = (self.base_amount * self.percentage / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            if self.amount is None:
                self.amount = computed
            elif self.amount != computed:
                raise ValueError(f"amount {self.amount} is not base_amount x percentage = {computed}")
        if self.amount is None:
            raise ValueError("give 'amount', or 'base_amount' and 'percentage'")
        self._normalise_vat(kind)
        return self

    @property
    def signed_amount(self) -> Decimal:
        """What it adds to the taxable amount of its VAT group: + for a charge, - for an allowance."""
        assert self.amount is not None  # set by the validator
        return self.amount if self.charge else -self.amount
