"""The national minimum gross base wage (salariul de baza minim brut pe tara garantat in plata), dated, with its sources.

Set yearly by Government decision under art. 164 (1) of the Labour Code (Legea 53/2003) for a normal
full-time programme; each decision states the monthly amount and the average monthly hours it is paid for.
A contract is checked against the amount in force on its start date: in full for a full-time norm, pro
rata for part time (hours per day over 8, per week over 40, per month over the decision's monthly hours).
Sector derogations (construction, agriculture and food industry, e.g. OUG 156/2024) are not applied: the
national amount is the floor every contract must reach. Dates before the first row are not checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = ["MINIMUM_WAGES", "MinimumWage", "minimum_wage_on", "minimum_wage_problem"]


@dataclass(frozen=True)
class MinimumWage:
    """One decision: the monthly amount (RON) from ``since``, for ``monthly_hours`` on average."""

    since: dt.date
    amount: int
    monthly_hours: Decimal
    source: str


#: Oldest first. Each row is in force from ``since`` until the next row's ``since``.
MINIMUM_WAGES: tuple[MinimumWage, ...] = (
    MinimumWage(dt.date(2023, 1, 1), 3000, Decimal("165.333"), "HG 1447/2022 (MO 1186 of 9.12.2022)"),
    MinimumWage(dt.date(2023, 10, 1), 3300, Decimal("165.333"), "HG 900/2023 (MO 877 of 28.09.2023)"),
    MinimumWage(dt.date(2024, 7, 1), 3700, Decimal("168.000"), "HG 598/2024 (MO 529 of 6.06.2024)"),
    MinimumWage(dt.date(2025, 1, 1), 4050, Decimal("165.334"), "HG 1506/2024 (MO 1185 of 28.11.2024)"),
    MinimumWage(
        dt.date(2026, 7, 1),
        4325,
        Decimal("166.667"),
        "HG adopted by the Government on 12.03.2026, abrogating HG 1506/2024 from 1.07.2026",
    ),
)

Interval = Literal["OrePeZi", "OrePeSaptamana", "OrePeLuna"]
_FULL_TIME = {"OrePeZi": Decimal(8), "OrePeSaptamana": Decimal(40)}


def minimum_wage_on(day: dt.date) -> MinimumWage | None:
    """The row in force on ``day`` (None before the table starts)."""
    current = None
    for row in MINIMUM_WAGES:
        if row.since <= day:
            current = row
    return current


def _fraction(row: MinimumWage, hours: float, interval: Interval) -> Decimal:
    full = _FULL_TIME.get(interval, row.monthly_hours)
    return min(Decimal(str(hours)) / full, Decimal(1))


def minimum_wage_problem(
    salary: int, start: dt.date, *, part_time: bool, hours: float | None = None, interval: Interval | None = None
) -> str | None:
    """Why ``salary`` (monthly gross RON) is below the minimum in force on ``start``, or None when it is not."""
    row = minimum_wage_on(start)
    if row is None:
        return None
    if not part_time:
        floor, what = Decimal(row.amount), "full-time contract"
    elif hours is None or interval is None:
        return "a part-time contract needs working_time.hours and working_time.interval to check the minimum wage"
    else:
        floor = (Decimal(row.amount) * _fraction(row, hours, interval)).quantize(Decimal("0.01"))
        what = f"part-time contract of {hours:g} {interval} (pro rata of {row.amount} RON)"
    if Decimal(salary) >= floor:
        return None
    return (
        f"salary {salary} RON is below the national minimum gross wage of {floor:f} RON for a {what} "
        f"in force on {start.isoformat()} ({row.amount} RON from {row.since.isoformat()}, {row.source})"
    )
