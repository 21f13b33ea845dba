"""Accounting records the D406 is built from, parsed from plain rows (CSV/JSON lines/SQL) with clear errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "DOCUMENT_KINDS", "Account", "GLLine", "InvoiceLine", "Journal", "Party", "PaymentLine", "RecordError", "TaxCode", "Uom",
    "parse",
]

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


def _required_money(row: Mapping[str, Any], col: str) -> Decimal:
    if row.get(col) is None or row.get(col) == "":
        raise RecordError(col, "required")
    return _money(row, col)


def _quantity(row: Mapping[str, Any], col: str) -> Decimal:
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


def _optional_decimal(row: Mapping[str, Any], col: str) -> Decimal | None:
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


def _side(row: Mapping[str, Any], col: str, default: str) -> str:
    text = _text(row, col, 1, default=default).upper()
    if text not in {"D", "C"}:
        raise RecordError(col, "must be D (debit) or C (credit)")
    return text


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


@dataclass(slots=True, frozen=True)
class InvoiceLine:
    """One line of a sales or purchase invoice; the document columns repeat on every line of the invoice."""

    invoice_no: str
    invoice_date: dt.date
    invoice_type: str
    self_billing: str
    party_id: str
    account_id: str  # the invoice's receivable/payable account
    transaction_id: str
    source_id: str
    net_total: Decimal
    gross_total: Decimal
    line_number: str
    line_account_id: str
    product_code: str
    description: str
    quantity: Decimal
    uom: str
    unit_price: Decimal
    tax_point_date: dt.date
    amount: Decimal
    debit_credit: str
    tax_type: str
    tax_code: str
    tax_percentage: Decimal | None
    tax_base: Decimal
    tax_amount: Decimal

    @property
    def document(self) -> tuple[str, str]:
        return (self.party_id, self.invoice_no)

    @property
    def header(self) -> tuple[object, ...]:
        """The document columns: equal on every line of one invoice."""
        return (self.invoice_date, self.invoice_type, self.self_billing, self.account_id, self.transaction_id,
                self.source_id, self.net_total, self.gross_total)


@dataclass(slots=True, frozen=True)
class PaymentLine:
    """One line of a payment (receipt or disbursement); the payment columns repeat on every line."""

    payment_ref: str
    payment_date: dt.date
    payment_method: str
    payment_description: str
    transaction_id: str
    source_id: str
    line_number: str
    source_document_id: str
    account_id: str
    customer_id: str
    supplier_id: str
    description: str
    debit: Decimal
    credit: Decimal
    tax_type: str
    tax_code: str
    tax_amount: Decimal

    @property
    def document(self) -> tuple[str, str]:
        return ("", self.payment_ref)

    @property
    def header(self) -> tuple[object, ...]:
        return (self.payment_date, self.payment_method, self.payment_description, self.transaction_id, self.source_id)


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


def _invoice_line(r: Mapping[str, Any], side: str) -> InvoiceLine:
    date = _date(r, "invoice_date")
    amount = _required_money(r, "amount")
    return InvoiceLine(
        invoice_no=_text(r, "invoice_no", 70),
        invoice_date=date,
        invoice_type=_text(r, "invoice_type", 9, default="380"),
        self_billing=_text(r, "self_billing", 9, default="0"),
        party_id=_text(r, "party_id", 35),
        account_id=_text(r, "account_id", 70),
        transaction_id=_text(r, "transaction_id", 70, required=False),
        source_id=_text(r, "source_id", 35, required=False),
        net_total=_required_money(r, "net_total"),
        gross_total=_required_money(r, "gross_total"),
        line_number=_text(r, "line_number", 18, required=False),
        line_account_id=_text(r, "line_account_id", 70),
        product_code=_text(r, "product_code", 70, required=False),
        description=_text(r, "description", 256),
        quantity=_quantity(r, "quantity"),
        uom=_text(r, "uom", 9, required=False),
        unit_price=_required_money(r, "unit_price"),
        tax_point_date=_date(r, "tax_point_date", default=date),
        amount=amount,
        debit_credit=_side(r, "debit_credit", side),
        tax_type=_text(r, "tax_type", 9, default="000"),
        tax_code=_text(r, "tax_code", 9, default="000000"),
        tax_percentage=_optional_decimal(r, "tax_percentage"),
        tax_base=_money(r, "tax_base") if r.get("tax_base") not in (None, "") else amount,
        tax_amount=_money(r, "tax_amount"),
    )


def _sales_line(r: Mapping[str, Any]) -> InvoiceLine:
    return _invoice_line(r, "C")


def _purchase_line(r: Mapping[str, Any]) -> InvoiceLine:
    return _invoice_line(r, "D")


def _payment_line(r: Mapping[str, Any]) -> PaymentLine:
    return PaymentLine(
        payment_ref=_text(r, "payment_ref", 35),
        payment_date=_date(r, "payment_date"),
        payment_method=_text(r, "payment_method", 18),
        payment_description=_text(r, "payment_description", 256, default="-"),
        transaction_id=_text(r, "transaction_id", 70, required=False),
        source_id=_text(r, "source_id", 35, required=False),
        line_number=_text(r, "line_number", 18, required=False),
        source_document_id=_text(r, "source_document_id", 35, required=False),
        account_id=_text(r, "account_id", 70),
        customer_id=_text(r, "customer_id", 35, default="0"),
        supplier_id=_text(r, "supplier_id", 35, default="0"),
        description=_text(r, "description", 256, required=False),
        debit=_money(r, "debit"),
        credit=_money(r, "credit"),
        tax_type=_text(r, "tax_type", 9, default="000"),
        tax_code=_text(r, "tax_code", 9, default="000000"),
        tax_amount=_money(r, "tax_amount"),
    )


#: Source documents (SourceDocuments): optional kinds, one row per document line, lines of a document consecutive.
DOCUMENT_KINDS = ("sales_invoices", "purchase_invoices", "payments")

_PARSERS = {
    "accounts": _account,
    "customers": _party,
    "suppliers": _party,
    "tax_codes": _tax,
    "uom": _uom,
    "journals": _journal,
    "lines": _line,
    "sales_invoices": _sales_line,
    "purchase_invoices": _purchase_line,
    "payments": _payment_line,
}


def parse(kind: str, row: Mapping[str, Any]) -> Any:
    """Turn one row of ``kind`` (accounts, customers, suppliers, tax_codes, uom, journals, lines, sales_invoices,
    purchase_invoices, payments) into a record."""
    return _PARSERS[kind](row)
