"""The SQL source's tables (SQLAlchemy Core): what an ERP exposes (tables or views) for ``saft.generate``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, MetaData, Numeric, String, Table, select

__all__ = ["SqlTables"]


def _money(name: str) -> Column[Any]:
    return Column(name, Numeric(18, 2), nullable=True)


def _balance_columns() -> list[Column[Any]]:  # opening and closing balances of an account or a partner
    return [_money("opening_debit"), _money("opening_credit"), _money("closing_debit"), _money("closing_credit")]


def _posting_columns() -> list[Column[Any]]:  # one posting of a ledger line or a payment line
    return [
        Column("account_id", String(70)),
        Column("customer_id", String(35)),
        Column("supplier_id", String(35)),
        Column("description", String(256)),
        _money("debit"),
        _money("credit"),
        Column("tax_type", String(9)),
        Column("tax_code", String(9)),
        _money("tax_amount"),
    ]


def _party_columns() -> list[Column[Any]]:  # same columns for customers and suppliers
    return [
        Column("company_id", String(35), nullable=False, index=True),
        Column("party_id", String(35), nullable=False),
        Column("registration_number", String(35)),
        Column("name", String(256)),
        Column("city", String(35)),
        Column("country", String(2)),
        Column("street", String(70)),
        Column("account_id", String(70)),
        *_balance_columns(),
    ]


def _invoice_columns() -> list[Column[Any]]:  # same columns for sales and purchase invoices
    return [
        Column("company_id", String(35), nullable=False, index=True),
        Column("invoice_no", String(70)),
        Column("invoice_date", Date),
        Column("invoice_type", String(9)),
        Column("self_billing", String(9)),
        Column("party_id", String(35)),
        Column("account_id", String(70)),
        Column("transaction_id", String(70)),
        Column("source_id", String(35)),
        _money("net_total"),
        _money("gross_total"),
        Column("line_number", String(18)),
        Column("line_account_id", String(70)),
        Column("product_code", String(70)),
        Column("description", String(256)),
        Column("quantity", Numeric(22, 6)),
        Column("uom", String(9)),
        _money("unit_price"),
        Column("tax_point_date", Date),
        _money("amount"),
        Column("debit_credit", String(1)),
        Column("tax_type", String(9)),
        Column("tax_code", String(9)),
        Column("tax_percentage", Numeric(9, 2)),
        _money("tax_base"),
        _money("tax_amount"),
    ]


def _account_columns() -> list[Column[Any]]:
    return [
        Column("company_id", String(35), nullable=False, index=True),
        Column("account_id", String(70), nullable=False),
        Column("description", String(256)),
        Column("account_type", String(12)),
        Column("standard_account_id", String(35)),
        *_balance_columns(),
    ]


def _gl_line_columns() -> list[Column[Any]]:
    return [
        Column("company_id", String(35), nullable=False, index=True),
        Column("journal_id", String(18)),
        Column("transaction_id", String(70)),
        Column("transaction_date", Date),
        Column("transaction_description", String(256)),
        Column("record_id", String(18)),
        *_posting_columns(),
        Column("source_id", String(35)),
    ]


def _payment_columns() -> list[Column[Any]]:
    return [
        Column("company_id", String(35), nullable=False, index=True),
        Column("payment_ref", String(35)),
        Column("payment_date", Date),
        Column("payment_method", String(18)),
        Column("payment_description", String(256)),
        Column("transaction_id", String(70)),
        Column("source_id", String(35)),
        Column("line_number", String(18)),
        Column("source_document_id", String(35)),
        *_posting_columns(),
    ]


class SqlTables:
    """Table definitions (``saft_*`` by default; ``prefix`` changes it); ``metadata.create_all`` builds them."""

    def __init__(self, prefix: str = "saft_"):
        self.metadata = MetaData()
        m, p = self.metadata, prefix
        self.accounts = Table(f"{p}accounts", m, *_account_columns())
        self.customers = Table(f"{p}customers", m, *_party_columns())
        self.suppliers = Table(f"{p}suppliers", m, *_party_columns())
        self.tax_codes = Table(
            f"{p}tax_codes",
            m,
            Column("company_id", String(35), nullable=False, index=True),
            Column("tax_type", String(9)),
            Column("tax_code", String(9)),
            Column("description", String(256)),
            Column("percentage", Numeric(9, 2)),
            Column("base_rate", Numeric(5, 4)),
            Column("country", String(2)),
        )
        self.uom = Table(
            f"{p}uom",
            m,
            Column("company_id", String(35), nullable=False, index=True),
            Column("code", String(9)),
            Column("description", String(256)),
        )
        self.journals = Table(
            f"{p}journals",
            m,
            Column("company_id", String(35), nullable=False, index=True),
            Column("journal_id", String(18)),
            Column("description", String(256)),
            Column("type", String(9)),
        )
        self.lines = Table(f"{p}gl_lines", m, *_gl_line_columns())

        self.sales_invoices = Table(f"{p}sales_invoices", m, *_invoice_columns())
        self.purchase_invoices = Table(f"{p}purchase_invoices", m, *_invoice_columns())
        self.payments = Table(f"{p}payments", m, *_payment_columns())

    def select(self, kind: str, company_id: str, first_day: Any, last_day: Any) -> Any:
        table: Table = getattr(self, kind)
        cols = [c for c in table.c if c.name != "company_id"]
        stmt = select(*cols).where(table.c.company_id == company_id)
        if kind == "lines":
            stmt = stmt.where(table.c.transaction_date.between(first_day, last_day)).order_by(
                table.c.journal_id, table.c.transaction_id, table.c.record_id
            )
        elif kind in {"sales_invoices", "purchase_invoices"}:
            stmt = stmt.where(table.c.invoice_date.between(first_day, last_day)).order_by(
                table.c.invoice_date, table.c.party_id, table.c.invoice_no, table.c.line_number
            )
        elif kind == "payments":
            stmt = stmt.where(table.c.payment_date.between(first_day, last_day)).order_by(
                table.c.payment_date, table.c.payment_ref, table.c.line_number
            )
        return stmt
