"""EN 16931 document totals and the VAT breakdown (BG-22, BG-23), computed from the lines and allowances.

BT-106 = sum of line net amounts; BT-107/108 = sums of document allowances / charges; BT-109 = BT-106 -
BT-107 + BT-108; per (category, rate) the taxable amount BT-116 = lines + charges - allowances of the group
(BR-S-08 and siblings) and its tax BT-117 = BT-116 x rate rounded half-up to cents; BT-110 = sum of BT-117;
BT-112 = BT-109 + BT-110; BT-115 = BT-112 (no prepaid amount, no rounding).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from anaf_efactura.lines import AllowanceCharge, InvoiceLine
from anaf_efactura.terms import CENT

__all__ = ["Exemption", "Totals", "VatBreakdown", "compute_totals"]

Exemption = tuple[str | None, str | None]


class VatBreakdown(BaseModel):
    category: str
    rate: Decimal | None
    taxable: Decimal
    tax: Decimal
    exemption_code: str | None
    exemption_reason: str | None


class Totals(BaseModel):
    lines: Decimal
    allowances: Decimal
    charges: Decimal
    tax_exclusive: Decimal
    tax: Decimal
    tax_inclusive: Decimal
    payable: Decimal
    tax_in_ron: Decimal | None
    breakdown: list[VatBreakdown]


def compute_totals(
    lines: list[InvoiceLine],
    allowances: list[AllowanceCharge],
    exemptions: dict[str, Exemption],
    exchange_rate: Decimal | None,
) -> Totals:
    """Totals of ``lines`` and document ``allowances``; ``exemptions`` = (code, reason) per exempt category."""
    groups: dict[tuple[str, Decimal | None], Decimal] = {}
    for line in lines:
        key = (line.vat_category, line.vat_rate)
        groups[key] = groups.get(key, Decimal(0)) + line.net_amount
    for item in allowances:
        key = (item.vat_category, item.vat_rate)
        groups[key] = groups.get(key, Decimal(0)) + item.signed_amount
    breakdown = []
    for (category, rate), taxable in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        tax = (taxable * (rate or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        code, reason = exemptions.get(category, (None, None))
        breakdown.append(
            VatBreakdown(
                category=category, rate=rate, taxable=taxable, tax=tax, exemption_code=code, exemption_reason=reason
            )
        )
    lines_total = sum((line.net_amount for line in lines), Decimal(0))
    allowance_total = sum((a.amount or Decimal(0) for a in allowances if not a.charge), Decimal(0))
    charge_total = sum((a.amount or Decimal(0) for a in allowances if a.charge), Decimal(0))
    tax_exclusive = lines_total - allowance_total + charge_total
    tax = sum((b.tax for b in breakdown), Decimal(0))
    tax_ron = (tax * exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP) if exchange_rate else None
    return Totals(
        lines=lines_total,
        allowances=allowance_total,
        charges=charge_total,
        tax_exclusive=tax_exclusive,
        tax=tax,
        tax_inclusive=tax_exclusive + tax,
        payable=tax_exclusive + tax,
        tax_in_ron=tax_ron,
        breakdown=breakdown,
    )
