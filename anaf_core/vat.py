"""Romanian VAT rates by date, each with the legal text that set it, and the check of a rate against them.

The Codul fiscal (Legea nr. 227/2015) sets the rates in art. 291: the standard rate in alin. (1), the reduced
rates in alin. (2) and (3); the table starts with the 19 % standard rate of 2017-01-01. Legea nr. 141/2025 (MO nr. 699 of 2025-07-25), art. II
pct. 42, set 21 % and a single reduced 11 % from 2025-08-01 (art. VII alin. (1)); the 5 % rate of alin. (3)
went away. The rate is the one in force when the chargeable event happens (art. 291 alin. (4)); an invoice
or an advance issued before the supply is regularised to the rate in force at the supply (alin. (5), (6)).

Two cases allow a rate the table does not list for the date, and only when the caller names them:

* ``adjustment`` — an adjustment of the taxable amount (art. 287: credit notes, returns, price cuts) keeps
  the rate of the base operation (art. 282 alin. (9); Norme metodologice, HG nr. 1/2016, in its application):
  the rate must be one in force on the base operation's date.
* ``L141-2025-art-III`` — Legea nr. 141/2025 art. III: 9 % on the delivery, until 2026-07-31, of a dwelling
  bought by an individual under a deed with an advance payment concluded before 2025-08-01 (the conditions on
  floor area, value and buyer are the issuer's to meet; ANAF's form 300 reports it on its own row 11).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = [
    "EXCEPTIONS",
    "PERIODS",
    "RatePeriod",
    "VatException",
    "VatExceptionCode",
    "VatRateError",
    "check_rate",
    "period_on",
]

VatExceptionCode = Literal["adjustment", "L141-2025-art-III"]


@dataclass(frozen=True)
class RatePeriod:
    """The rates in force from ``start`` to ``end`` (inclusive; ``None`` = still in force)."""

    start: dt.date
    end: dt.date | None
    standard: Decimal
    reduced: tuple[Decimal, ...]
    source: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    @property
    def rates(self) -> tuple[Decimal, ...]:
        return (self.standard, *self.reduced)


@dataclass(frozen=True)
class VatException:
    code: VatExceptionCode
    rate: Decimal | None  # None: the rate comes from the base operation's date
    start: dt.date | None
    end: dt.date | None
    source: str


PERIODS: tuple[RatePeriod, ...] = (
    RatePeriod(
        dt.date(2017, 1, 1),
        dt.date(2025, 7, 31),
        Decimal(19),
        (Decimal(9), Decimal(5)),
        "Legea nr. 227/2015 (Codul fiscal) art. 291 alin. (1) (19 %), alin. (2) (9 %), alin. (3) (5 %), "
        "in the wording in force until 2025-07-31",
    ),
    RatePeriod(
        dt.date(2025, 8, 1),
        None,
        Decimal(21),
        (Decimal(11),),
        "Codul fiscal art. 291 alin. (1) (21 %) and alin. (2) (11 %) as amended by Legea nr. 141/2025 art. II "
        "pct. 42, in force from 2025-08-01 (art. VII alin. (1)); MO nr. 699 of 2025-07-25",
    ),
)

EXCEPTIONS: dict[str, VatException] = {
    "adjustment": VatException(
        "adjustment",
        None,
        None,
        None,
        "Codul fiscal art. 282 alin. (9) and art. 287: an adjustment keeps the rate of the base operation",
    ),
    "L141-2025-art-III": VatException(
        "L141-2025-art-III",
        Decimal(9),
        dt.date(2025, 8, 1),
        dt.date(2026, 7, 31),
        "Legea nr. 141/2025 art. III: 9 % on dwellings under a deed with an advance concluded before 2025-08-01, "
        "delivered by 2026-07-31",
    ),
}


class VatRateError(ValueError):
    """A rate that was not in force; ``code`` tells why (for a structured error), ``context`` the facts."""

    def __init__(self, code: str, message: str, **context: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.context = context


def period_on(day: dt.date) -> RatePeriod | None:
    return next((p for p in PERIODS if p.covers(day)), None)


def _pct(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


def _in_force(rate: Decimal, day: dt.date, what: str) -> RatePeriod:
    period = period_on(day)
    if period is None:
        raise VatRateError(
            "vat_rate_unknown_date",
            f"no Romanian VAT rates are tabled for {what} {day.isoformat()} (the table starts 2017-01-01)",
            date=day.isoformat(),
        )
    if rate not in period.rates:
        allowed = ", ".join(_pct(r) for r in period.rates)
        raise VatRateError(
            "vat_rate_not_in_force",
            f"VAT rate {_pct(rate)} was not in force on {what} {day.isoformat()}: the rates then were {allowed} "
            f"({period.source}); name an allowed exception ('adjustment', 'L141-2025-art-III') if one applies",
            rate=_pct(rate),
            date=day.isoformat(),
            allowed=allowed,
            source=period.source,
        )
    return period


def check_rate(
    rate: Decimal,
    tax_point: dt.date,
    exception: VatExceptionCode | None = None,
    base_dates: tuple[dt.date, ...] = (),
) -> str:
    """The legal source that allows ``rate`` on ``tax_point``; ``VatRateError`` when nothing does.

    ``exception`` names an allowed exception; ``adjustment`` needs the dates of the base operations
    (``base_dates``, e.g. the issue dates of the invoices a credit note corrects).
    """
    if exception is None:
        return _in_force(rate, tax_point, "the tax point").source
    rule = EXCEPTIONS[exception]
    if rule.rate is None:
        if not base_dates:
            raise VatRateError(
                "vat_adjustment_without_base",
                "an 'adjustment' keeps the rate of the base operation: give the corrected invoice with its issue "
                "date (preceding_invoices)",
            )
        errors: list[VatRateError] = []
        for day in base_dates:
            try:
                return f"{rule.source}; {_in_force(rate, day, 'the base operation of').source}"
            except VatRateError as exc:
                errors.append(exc)
        raise errors[0]
    if rate != rule.rate:
        raise VatRateError(
            "vat_exception_rate",
            f"exception {exception} allows {_pct(rule.rate)} only, not {_pct(rate)} ({rule.source})",
            rate=_pct(rate),
            source=rule.source,
        )
    if (rule.start and tax_point < rule.start) or (rule.end and tax_point > rule.end):
        raise VatRateError(
            "vat_exception_expired",
            f"exception {exception} applies from {rule.start} to {rule.end}, not on {tax_point.isoformat()} "
            f"({rule.source})",
            date=tax_point.isoformat(),
            source=rule.source,
        )
    return rule.source
