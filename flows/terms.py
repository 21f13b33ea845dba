"""The parts of an e-Factura invoice payload the invoicing flow reads itself (PDF, e-mail, alert).

The whole payload is ``efactura.submit``'s (its JSON Schema in ``shared/contracts/tasks.json``) and that worker
validates it; the flow only needs the number, dates, parties and lines, read leniently here (unknown fields
kept) so a worker never imports another worker's models.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["InvoiceAddress", "InvoiceLine", "InvoiceParty", "InvoiceTerms"]

CENT = Decimal("0.01")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class InvoiceAddress(_Lenient):
    street: str
    additional_street: str | None = None
    city: str
    county: str | None = None
    country: str = "RO"


class InvoiceParty(_Lenient):
    name: str = Field(min_length=1)
    vat_id: str | None = None
    legal_id: str | None = None
    address: InvoiceAddress


class InvoiceLine(_Lenient):
    name: str
    description: str | None = None
    quantity: Decimal
    unit_code: str = "H87"
    unit_price: Decimal
    vat_rate: Decimal | None = None


class InvoicePayment(_Lenient):
    iban: str | None = None


class InvoiceTerms(_Lenient):
    """``number``, dates, ``seller``/``buyer``, ``lines``: what the flow shows the buyer and the accountants."""

    number: str = Field(min_length=1, max_length=200)
    issue_date: dt.date
    due_date: dt.date | None = None
    currency: str = "RON"
    seller: InvoiceParty
    buyer: InvoiceParty
    lines: list[InvoiceLine] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)
    payment: InvoicePayment | None = None

    def payable(self) -> Decimal:
        """Lines net plus VAT per rate, rounded half-up to cents (the e-mail's amount; no allowances)."""
        by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            by_rate[line.vat_rate or Decimal(0)] += (line.quantity * line.unit_price).quantize(CENT, ROUND_HALF_UP)
        vat = sum(((net * rate / 100).quantize(CENT, ROUND_HALF_UP) for rate, net in by_rate.items()), Decimal(0))
        return sum(by_rate.values(), Decimal(0)) + vat
