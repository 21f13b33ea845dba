"""Romanian VAT rates by date, with their legal source, and the check that a VAT tax code's rate was in force.

A VAT (``TaxType`` 300) tax code is checked by the percentage the tax table gives it (or the invoice line's
own ``tax_percentage``) against the rates in force on the line's date: the tax point for invoice lines,
the transaction date for ledger lines. Rates:

- 19% standard, 9% and 5% reduced: the rates Legea 141/2025 replaced; checked from 1.01.2022 (the first
  D406 periods), earlier dates are not checked.
- From 1.08.2025, Legea 141/2025 (MO 699 of 25.07.2025, amending art. 291 of the Fiscal Code, Legea
  227/2015): 21% standard, 11% the single reduced rate (5% abolished). The transitional 9% of its art. III
  (dwellings) is reported as a non-fatal finding, since only the contract can tell whether it applies.

A zero rate (exempt, reverse charge, out of scope) is always allowed. One tax code of the ANAF nomenclature
is known here by its rate: ``310309``, domestic supplies at 19% (ANAF allocated new, distinct codes to the
21% and 11% rates); a tax table giving it another percentage is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["KNOWN_CODE_RATES", "VAT_RATES", "VatRates", "rate_problem", "vat_rates_on"]


@dataclass(frozen=True)
class VatRates:
    """The VAT rates (percent) in force from ``since``; ``transitional`` ones are allowed with a notice."""

    since: dt.date
    rates: frozenset[Decimal]
    transitional: frozenset[Decimal]
    source: str


def _pct(*values: int) -> frozenset[Decimal]:
    return frozenset(Decimal(v) for v in values)


VAT_RATES: tuple[VatRates, ...] = (
    VatRates(dt.date(2022, 1, 1), _pct(19, 9, 5), _pct(), "Fiscal Code art. 291 as in force before Legea 141/2025"),
    VatRates(dt.date(2025, 8, 1), _pct(21, 11), _pct(9), "Legea 141/2025 (MO 699/25.07.2025), art. 291 Fiscal Code"),
)

#: ANAF SAF-T tax codes whose rate is fixed by the nomenclature.
KNOWN_CODE_RATES: dict[str, Decimal] = {"310309": Decimal(19)}

VAT = "300"


def vat_rates_on(day: dt.date) -> VatRates | None:
    """The rates in force on ``day`` (None before the table starts)."""
    current = None
    for row in VAT_RATES:
        if row.since <= day:
            current = row
    return current


def rate_problem(rate: Decimal, day: dt.date) -> tuple[bool, str] | None:
    """(fatal, why) when ``rate`` percent was not a Romanian VAT rate on ``day``; None when it was (or is 0)."""
    row = vat_rates_on(day)
    if row is None or rate == 0 or rate in row.rates:
        return None
    allowed = ", ".join(f"{r.normalize():f}%" for r in sorted(row.rates))
    if rate in row.transitional:
        return False, (
            f"VAT rate {rate.normalize():f}% on {day.isoformat()} is only a transitional rate since "
            f"{row.since.isoformat()} ({row.source}; in force: {allowed})"
        )
    return True, (
        f"VAT rate {rate.normalize():f}% was not in force on {day.isoformat()} "
        f"(from {row.since.isoformat()}: {allowed}; {row.source})"
    )
