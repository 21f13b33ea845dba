"""Typed columns of accounting rows (text, amounts, quantities, dates, sides), each with a clear error naming the column."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "ZERO",
    "RecordError",
    "date_col",
    "decimal_col",
    "money_col",
    "quantity_col",
    "required_money_col",
    "side_col",
    "text_col",
]

ZERO = Decimal("0.00")
_MAX_AMOUNT = Decimal("1e16")


class RecordError(ValueError):
    """A row that cannot become a record; ``column`` names the culprit."""

    def __init__(self, column: str, message: str):
        super().__init__(f"{column}: {message}")
        self.column = column


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_col(
    row: Mapping[str, Any], col: str, max_len: int, *, required: bool = True, default: str | None = None
) -> str:
    value = row.get(col)
    text = value.strip() if type(value) is str else ("" if value is None else str(value).strip())
    if not text:
        if default is not None:
            return default
        if required:
            raise RecordError(col, "required")
        return ""
    if len(text) > max_len:
        raise RecordError(col, f"longer than {max_len} characters")
    if not text.isprintable() and _CONTROL.search(text):
        raise RecordError(col, "control characters are not allowed in XML")
    return text


def money_col(row: Mapping[str, Any], col: str) -> Decimal:
    value = row.get(col)
    if value is None or value == "":
        return ZERO
    text = value.strip() if type(value) is str else str(value)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise RecordError(col, f"not a number: {text[:30]!r}") from None
    dot = text.find(".")
    if not d.is_finite() or "e" in text or "E" in text or (dot >= 0 and len(text) - dot > 3):
        raise RecordError(col, "must be a finite amount with at most 2 decimals")
    if abs(d) >= _MAX_AMOUNT:
        raise RecordError(col, "amount too large")
    return d


def required_money_col(row: Mapping[str, Any], col: str) -> Decimal:
    if row.get(col) is None or row.get(col) == "":
        raise RecordError(col, "required")
    return money_col(row, col)


def quantity_col(row: Mapping[str, Any], col: str) -> Decimal:
    value = row.get(col)
    if value is None or value == "":
        raise RecordError(col, "required")
    text = value.strip() if type(value) is str else str(value)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise RecordError(col, f"not a number: {text[:30]!r}") from None
    dot = text.find(".")
    if not d.is_finite() or "e" in text or "E" in text or (dot >= 0 and len(text) - dot > 7) or abs(d) >= _MAX_AMOUNT:
        raise RecordError(col, "must be a finite quantity with at most 6 decimals")
    return d


def decimal_col(row: Mapping[str, Any], col: str) -> Decimal | None:
    value = row.get(col)
    if value is None or value == "":
        return None
    try:
        d = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise RecordError(col, "not a number") from None
    if not d.is_finite() or abs(d) >= _MAX_AMOUNT:
        raise RecordError(col, "must be a finite number")
    return d


def side_col(row: Mapping[str, Any], col: str, default: str) -> str:
    text = text_col(row, col, 1, default=default).upper()
    if text not in {"D", "C"}:
        raise RecordError(col, "must be D (debit) or C (credit)")
    return text


def date_col(row: Mapping[str, Any], col: str, default: dt.date | None = None) -> dt.date:
    value = row.get(col)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if (value is None or value == "") and default is not None:
        return default
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RecordError(col, "must be a date YYYY-MM-DD") from None
