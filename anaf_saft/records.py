"""Accounting records the D406 is built from, parsed from plain rows (CSV/JSON lines/SQL) with clear errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["Account", "GLLine", "Journal", "Party", "RecordError", "TaxCode", "Uom", "parse"]

ZERO = Decimal("0.00")
_MAX_AMOUNT = Decimal("1e16")


class RecordError(ValueError):
    """A row that cannot become a record; ``column`` names the culprit."""

    def __init__(self, column: str, message: str):
        super().__init__(f"{column}: {message}")
        self.column = column


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(row: Mapping[str, Any], col: str, max_len: int, *, required: bool = True, default: str | None = None) -> str:
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


def _money(row: Mapping[str, Any], col: str) -> Decimal:
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


def _date(row: Mapping[str, Any], col: str, default: dt.date | None = None) -> dt.date:
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


@dataclass(slots=True, frozen=True)
class Account:
    account_id: str
    description: str
    account_type: str
    standard_account_id: str
    opening: Decimal  # debit positive, credit negative
    closing: Decimal


@dataclass(slots=True, frozen=True)
class Party:
    party_id: str
    registration_number: str
    name: str
    city: str
    country: str
    street: str
    account_id: str
    opening: Decimal
    closing: Decimal


@dataclass(slots=True, frozen=True)
class TaxCode:
    tax_type: str
    tax_code: str
    description: str
    percentage: Decimal
    base_rate: Decimal
    country: str


@dataclass(slots=True, frozen=True)
class Uom:
    code: str
    description: str


@dataclass(slots=True, frozen=True)
class Journal:
    journal_id: str
    description: str
    type: str


@dataclass(slots=True, frozen=True)
class GLLine:
    journal_id: str
    transaction_id: str
    transaction_date: dt.date
    transaction_description: str
    record_id: str
    account_id: str
    customer_id: str
    supplier_id: str
    description: str
    debit: Decimal
    credit: Decimal
    tax_type: str
    tax_code: str
    tax_amount: Decimal
    source_id: str


def _account(r: Mapping[str, Any]) -> Account:
    kind = _text(r, "account_type", 12)
    if kind not in {"Activ", "Pasiv", "Bifunctional"}:
        raise RecordError("account_type", "must be Activ, Pasiv or Bifunctional")
    acc = _text(r, "account_id", 70)
    return Account(
        account_id=acc,
        description=_text(r, "description", 256),
        account_type=kind,
        standard_account_id=_text(r, "standard_account_id", 35, default=acc),
        opening=_money(r, "opening_debit") - _money(r, "opening_credit"),
        closing=_money(r, "closing_debit") - _money(r, "closing_credit"),
    )


def _party(r: Mapping[str, Any]) -> Party:
    pid = _text(r, "party_id", 35)
    return Party(
        party_id=pid,
        registration_number=_text(r, "registration_number", 35, default=pid),
        name=_text(r, "name", 256),
        city=_text(r, "city", 35),
        country=_text(r, "country", 2, default="RO"),
        street=_text(r, "street", 70, required=False),
        account_id=_text(r, "account_id", 70),
        opening=_money(r, "opening_debit") - _money(r, "opening_credit"),
        closing=_money(r, "closing_debit") - _money(r, "closing_credit"),
    )


def _tax(r: Mapping[str, Any]) -> TaxCode:
    try:
        pct = Decimal(str(r.get("percentage") or "0"))
        base = Decimal(str(r.get("base_rate") or "1"))
    except InvalidOperation:
        raise RecordError("percentage", "not a number") from None
    if not (0 <= base <= 1):
        raise RecordError("base_rate", "is a fraction between 0 and 1")
    return TaxCode(
        tax_type=_text(r, "tax_type", 9),
        tax_code=_text(r, "tax_code", 9),
        description=_text(r, "description", 256),
        percentage=pct,
        base_rate=base,
        country=_text(r, "country", 2, default="RO"),
    )


def _uom(r: Mapping[str, Any]) -> Uom:
    return Uom(code=_text(r, "code", 9), description=_text(r, "description", 256))


def _journal(r: Mapping[str, Any]) -> Journal:
    jid = _text(r, "journal_id", 18)
    return Journal(journal_id=jid, description=_text(r, "description", 256, default=jid), type=_text(r, "type", 9, default="GL"))


def _line(r: Mapping[str, Any]) -> GLLine:
    date = _date(r, "transaction_date")
    return GLLine(
        journal_id=_text(r, "journal_id", 18),
        transaction_id=_text(r, "transaction_id", 70),
        transaction_date=date,
        transaction_description=_text(r, "transaction_description", 256, default="-"),
        record_id=_text(r, "record_id", 18),
        account_id=_text(r, "account_id", 70),
        customer_id=_text(r, "customer_id", 35, default="0"),
        supplier_id=_text(r, "supplier_id", 35, default="0"),
        description=_text(r, "description", 256, default="-"),
        debit=_money(r, "debit"),
        credit=_money(r, "credit"),
        tax_type=_text(r, "tax_type", 9, default="000"),
        tax_code=_text(r, "tax_code", 9, default="000000"),
        tax_amount=_money(r, "tax_amount"),
        source_id=_text(r, "source_id", 35, required=False),
    )


_PARSERS = {
    "accounts": _account,
    "customers": _party,
    "suppliers": _party,
    "tax_codes": _tax,
    "uom": _uom,
    "journals": _journal,
    "lines": _line,
}


def parse(kind: str, row: Mapping[str, Any]) -> Any:
    """Turn one row of ``kind`` (accounts, customers, suppliers, tax_codes, uom, journals, lines) into a record."""
    return _PARSERS[kind](row)
