"""Accounting records the D406 is built from, parsed from plain rows (CSV/JSON lines/SQL) with clear errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from anaf_saft.columns import (
    ZERO,
    RecordError,
    date_col,
    decimal_col,
    money_col,
    quantity_col,
    required_money_col,
    side_col,
    text_col,
)

__all__ = [
    "DOCUMENT_KINDS",
    "ZERO",
    "Account",
    "GLLine",
    "InvoiceLine",
    "Journal",
    "Party",
    "PaymentLine",
    "RecordError",
    "TaxCode",
    "Uom",
    "parse",
]


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
        return (
            self.invoice_date,
            self.invoice_type,
            self.self_billing,
            self.account_id,
            self.transaction_id,
            self.source_id,
            self.net_total,
            self.gross_total,
        )


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
    kind = text_col(r, "account_type", 12)
    if kind not in {"Activ", "Pasiv", "Bifunctional"}:
        raise RecordError("account_type", "must be Activ, Pasiv or Bifunctional")
    acc = text_col(r, "account_id", 70)
    return Account(
        account_id=acc,
        description=text_col(r, "description", 256),
        account_type=kind,
        standard_account_id=text_col(r, "standard_account_id", 35, default=acc),
        opening=money_col(r, "opening_debit") - money_col(r, "opening_credit"),
        closing=money_col(r, "closing_debit") - money_col(r, "closing_credit"),
    )


def _party(r: Mapping[str, Any]) -> Party:
    pid = text_col(r, "party_id", 35)
    return Party(
        party_id=pid,
        registration_number=text_col(r, "registration_number", 35, default=pid),
        name=text_col(r, "name", 256),
        city=text_col(r, "city", 35),
        country=text_col(r, "country", 2, default="RO"),
        street=text_col(r, "street", 70, required=False),
        account_id=text_col(r, "account_id", 70),
        opening=money_col(r, "opening_debit") - money_col(r, "opening_credit"),
        closing=money_col(r, "closing_debit") - money_col(r, "closing_credit"),
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
        tax_type=text_col(r, "tax_type", 9),
        tax_code=text_col(r, "tax_code", 9),
        description=text_col(r, "description", 256),
        percentage=pct,
        base_rate=base,
        country=text_col(r, "country", 2, default="RO"),
    )


def _uom(r: Mapping[str, Any]) -> Uom:
    return Uom(code=text_col(r, "code", 9), description=text_col(r, "description", 256))


def _journal(r: Mapping[str, Any]) -> Journal:
    jid = text_col(r, "journal_id", 18)
    return Journal(
        journal_id=jid,
        description=text_col(r, "description", 256, default=jid),
        type=text_col(r, "type", 9, default="GL"),
    )


def _line(r: Mapping[str, Any]) -> GLLine:
    date = date_col(r, "transaction_date")
    return GLLine(
        journal_id=text_col(r, "journal_id", 18),
        transaction_id=text_col(r, "transaction_id", 70),
        transaction_date=date,
        transaction_description=text_col(r, "transaction_description", 256, default="-"),
        record_id=text_col(r, "record_id", 18),
        account_id=text_col(r, "account_id", 70),
        customer_id=text_col(r, "customer_id", 35, default="0"),
        supplier_id=text_col(r, "supplier_id", 35, default="0"),
        description=text_col(r, "description", 256, default="-"),
        debit=money_col(r, "debit"),
        credit=money_col(r, "credit"),
        tax_type=text_col(r, "tax_type", 9, default="000"),
        tax_code=text_col(r, "tax_code", 9, default="000000"),
        tax_amount=money_col(r, "tax_amount"),
        source_id=text_col(r, "source_id", 35, required=False),
    )


def _invoice_line(r: Mapping[str, Any], side: str) -> InvoiceLine:
    date = date_col(r, "invoice_date")
    amount = required_money_col(r, "amount")
    return InvoiceLine(
        invoice_no=text_col(r, "invoice_no", 70),
        invoice_date=date,
        invoice_type=text_col(r, "invoice_type", 9, default="380"),
        self_billing=text_col(r, "self_billing", 9, default="0"),
        party_id=text_col(r, "party_id", 35),
        account_id=text_col(r, "account_id", 70),
        transaction_id=text_col(r, "transaction_id", 70, required=False),
        source_id=text_col(r, "source_id", 35, required=False),
        net_total=required_money_col(r, "net_total"),
        gross_total=required_money_col(r, "gross_total"),
        line_number=text_col(r, "line_number", 18, required=False),
        line_account_id=text_col(r, "line_account_id", 70),
        product_code=text_col(r, "product_code", 70, required=False),
        description=text_col(r, "description", 256),
        quantity=quantity_col(r, "quantity"),
        uom=text_col(r, "uom", 9, required=False),
        unit_price=required_money_col(r, "unit_price"),
        tax_point_date=date_col(r, "tax_point_date", default=date),
        amount=amount,
        debit_credit=side_col(r, "debit_credit", side),
        tax_type=text_col(r, "tax_type", 9, default="000"),
        tax_code=text_col(r, "tax_code", 9, default="000000"),
        tax_percentage=decimal_col(r, "tax_percentage"),
        tax_base=money_col(r, "tax_base") if r.get("tax_base") not in (None, "") else amount,
        tax_amount=money_col(r, "tax_amount"),
    )


def _sales_line(r: Mapping[str, Any]) -> InvoiceLine:
    return _invoice_line(r, "C")


def _purchase_line(r: Mapping[str, Any]) -> InvoiceLine:
    return _invoice_line(r, "D")


def _payment_line(r: Mapping[str, Any]) -> PaymentLine:
    return PaymentLine(
        payment_ref=text_col(r, "payment_ref", 35),
        payment_date=date_col(r, "payment_date"),
        payment_method=text_col(r, "payment_method", 18),
        payment_description=text_col(r, "payment_description", 256, default="-"),
        transaction_id=text_col(r, "transaction_id", 70, required=False),
        source_id=text_col(r, "source_id", 35, required=False),
        line_number=text_col(r, "line_number", 18, required=False),
        source_document_id=text_col(r, "source_document_id", 35, required=False),
        account_id=text_col(r, "account_id", 70),
        customer_id=text_col(r, "customer_id", 35, default="0"),
        supplier_id=text_col(r, "supplier_id", 35, default="0"),
        description=text_col(r, "description", 256, required=False),
        debit=money_col(r, "debit"),
        credit=money_col(r, "credit"),
        tax_type=text_col(r, "tax_type", 9, default="000"),
        tax_code=text_col(r, "tax_code", 9, default="000000"),
        tax_amount=money_col(r, "tax_amount"),
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
