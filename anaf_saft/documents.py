"""Source documents (SalesInvoices, PurchaseInvoices, Payments) checked one document at a time.

Dates inside the period, known partners, accounts and tax codes (with VAT rates in force at the tax
point), one number per document, the same document columns on every line, invoice lines summing to the
net and gross totals, one side per payment line, and each document posted in the ledger transaction it
names for its amount. Only one key per document is remembered (to find duplicates), never its lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from anaf_saft.context import Context
from anaf_saft.links import Unreconciled
from anaf_saft.plan import Plan, grouped_documents, read_records
from anaf_saft.records import DOCUMENT_KINDS, ZERO, InvoiceLine, PaymentLine, RecordError, parse
from anaf_saft.sources import AccountingSource

__all__ = ["check_invoices", "check_payments", "name_unreconciled"]


def _label(kind: str, doc: list[InvoiceLine] | list[PaymentLine]) -> str:
    head = doc[0]
    if isinstance(head, PaymentLine):
        return f"payment {head.payment_ref}"
    return f"{'customer' if kind == 'sales_invoices' else 'supplier'} invoice {head.invoice_no}"


def _claim(kind: str, doc: list[InvoiceLine] | list[PaymentLine], controls: set[str]) -> Decimal:
    """What the document moved on partner control accounts: an invoice's gross total (debit for sales,
    credit for purchases), a payment's debit minus credit on control accounts."""
    head = doc[0]
    if isinstance(head, InvoiceLine):
        return head.gross_total if kind == "sales_invoices" else -head.gross_total
    return sum(
        (line.debit - line.credit for line in doc if isinstance(line, PaymentLine) and line.account_id in controls),
        ZERO,
    )


def _link(plan: Plan, ctx: Context, kind: str, doc: list[InvoiceLine] | list[PaymentLine], where: str) -> None:
    transaction_id = doc[0].transaction_id
    if not transaction_id:
        plan.add(
            "document_unlinked",
            f"{_label(kind, doc)} names no ledger transaction (transaction_id): it cannot "
            "be reconciled with the general ledger",
            where=where,
        )
    else:
        ctx.links.claim(transaction_id, _claim(kind, doc, ctx.ledger.controls))


def _invoice_lines(plan: Plan, ctx: Context, doc: list[InvoiceLine], kind: str, where: str) -> tuple[Decimal, Decimal]:
    """Check each line of one invoice and count it; its (net, tax) with lines on the normal side positive."""
    totals = plan.documents[kind]
    head = doc[0]
    normal = "C" if kind == "sales_invoices" else "D"
    net = tax = ZERO
    for n, line in enumerate(doc, 1):
        ln = line.line_number or str(n)
        if line.header != head.header:
            plan.add(
                "inconsistent_document",
                f"line {ln}: invoice columns (date, type, account, totals...) differ from the invoice's first line",
                where=where,
            )
        if line.line_account_id not in ctx.accounts:
            plan.add("unknown_account", f"line {ln}: unknown account {line.line_account_id}", where=where)
        ctx.tax(plan, line.tax_type, line.tax_code, line.tax_point_date, where, f"line {ln}", line.tax_percentage)
        sign = 1 if line.debit_credit == normal else -1
        net += sign * line.amount
        tax += sign * line.tax_amount
        if line.debit_credit == "D":
            totals.debit += line.amount
        else:
            totals.credit += line.amount
    return net, tax


def check_invoices(plan: Plan, ctx: Context, source: AccountingSource, kind: str) -> None:
    totals = plan.documents[kind]
    sales = kind == "sales_invoices"
    party_code, party_name = ("unknown_customer", "customer") if sales else ("unknown_supplier", "supplier")
    parties = ctx.customers if sales else ctx.suppliers
    first, last = ctx.req.period.first_day, ctx.req.period.last_day
    seen: set[tuple[str, str]] = set()  # one key per invoice of the period (not per line)
    records: Iterator[InvoiceLine] = read_records(plan, source, kind)  # type: ignore[assignment]
    for doc in grouped_documents(records):
        head = doc[0]
        where = f"{kind} invoice={head.invoice_no} {party_name}={head.party_id}"
        if head.document in seen:
            plan.add(
                "duplicate_document",
                f"invoice {head.invoice_no} of {party_name} {head.party_id} appears twice "
                "(same number again, or its lines are not consecutive)",
                where=where,
            )
        seen.add(head.document)
        if not first <= head.invoice_date <= last:
            plan.add("outside_period", f"invoice date {head.invoice_date} outside {first}..{last}", where=where)
        if head.party_id not in parties:
            plan.add(party_code, f"invoice {head.invoice_no}: unknown {party_name} {head.party_id}", where=where)
        if head.account_id not in ctx.accounts:
            plan.add("unknown_account", f"invoice {head.invoice_no}: unknown account {head.account_id}", where=where)
        net, tax = _invoice_lines(plan, ctx, doc, kind, where)
        if net != head.net_total:
            plan.add(
                "invoice_totals",
                f"invoice {head.invoice_no}: lines sum to {net}, net_total is {head.net_total}",
                where=where,
            )
        if net + tax != head.gross_total:
            plan.add(
                "invoice_totals",
                f"invoice {head.invoice_no}: net {net} + tax {tax} != gross_total {head.gross_total}",
                where=where,
            )
        _link(plan, ctx, kind, doc, where)
        totals.entries += 1
        totals.lines += len(doc)


def _payment_lines(plan: Plan, ctx: Context, doc: list[PaymentLine], where: str) -> None:
    """Check each line of one payment and count it."""
    totals = plan.documents["payments"]
    head = doc[0]
    for n, line in enumerate(doc, 1):
        ln = line.line_number or str(n)
        if line.header != head.header:
            plan.add(
                "inconsistent_document",
                f"line {ln}: payment columns (date, method, description...) differ from the payment's first line",
                where=where,
            )
        if line.debit and line.credit:
            plan.add("both_sides", f"line {ln} has both debit and credit", where=where)
        elif not line.debit and not line.credit:
            plan.add("no_amount", f"line {ln} has neither debit nor credit", where=where)
        if line.account_id not in ctx.accounts:
            plan.add("unknown_account", f"line {ln}: unknown account {line.account_id}", where=where)
        if line.customer_id != "0" and line.customer_id not in ctx.customers:
            plan.add("unknown_customer", f"line {ln}: unknown customer {line.customer_id}", where=where)
        if line.supplier_id != "0" and line.supplier_id not in ctx.suppliers:
            plan.add("unknown_supplier", f"line {ln}: unknown supplier {line.supplier_id}", where=where)
        ctx.tax(plan, line.tax_type, line.tax_code, head.payment_date, where, f"line {ln}")
        totals.debit += line.debit
        totals.credit += line.credit


def check_payments(plan: Plan, ctx: Context, source: AccountingSource) -> None:
    totals = plan.documents["payments"]
    first, last = ctx.req.period.first_day, ctx.req.period.last_day
    seen: set[str] = set()
    records: Iterator[PaymentLine] = read_records(plan, source, "payments")  # type: ignore[assignment]
    for doc in grouped_documents(records):
        head = doc[0]
        where = f"payments payment={head.payment_ref}"
        if head.payment_ref in seen:
            plan.add(
                "duplicate_document",
                f"payment {head.payment_ref} appears twice (same reference again, or its lines are not consecutive)",
                where=where,
            )
        seen.add(head.payment_ref)
        if not first <= head.payment_date <= last:
            plan.add("outside_period", f"payment date {head.payment_date} outside {first}..{last}", where=where)
        _payment_lines(plan, ctx, doc, where)
        _link(plan, ctx, "payments", doc, where)
        totals.entries += 1
        totals.lines += len(doc)


def _documents(source: AccountingSource, kind: str) -> Iterator[list[InvoiceLine] | list[PaymentLine]]:
    """The documents of ``kind`` read again, quietly: rows that do not parse were reported by the first reading."""

    def records() -> Iterator[InvoiceLine | PaymentLine]:
        try:
            for row in source.rows(kind):
                try:
                    yield parse(kind, row)
                except RecordError:
                    continue
        except (ValueError, UnicodeDecodeError):
            return

    yield from grouped_documents(records())  # type: ignore[misc]


def name_unreconciled(plan: Plan, ctx: Context, source: AccountingSource, unreconciled: Unreconciled) -> None:
    """Findings for the transactions documents name but the ledger lacks or moves differently, with those documents."""
    labels: dict[str, list[str]] = {tx: [] for tx in unreconciled}
    claimed: dict[str, Decimal] = dict.fromkeys(unreconciled, ZERO)
    for kind in DOCUMENT_KINDS:
        for doc in _documents(source, kind):
            tx = doc[0].transaction_id
            if tx in labels:
                labels[tx].append(_label(kind, doc))
                claimed[tx] += _claim(kind, doc, ctx.ledger.controls)
    for tx, (in_ledger, diff) in unreconciled.items():
        docs = ", ".join(labels[tx][:3]) + (f" (and {len(labels[tx]) - 3} more)" if len(labels[tx]) > 3 else "")
        if not in_ledger:
            plan.add(
                "document_not_in_ledger",
                f"{docs}: transaction {tx} is not in the general ledger",
                where=f"lines transaction={tx}",
            )
        else:
            plan.add(
                "document_ledger_mismatch",
                f"{docs}: partner control accounts should move {claimed[tx]:.2f} in "
                f"transaction {tx}, the ledger moves {claimed[tx] - Decimal(diff) / 100:.2f}",
                where=f"lines transaction={tx}",
            )
