"""Our own checks, run over the whole source before any XML is written (pass 1 of 2).

They find what ANAF's validator would reject, and more: unparseable rows, debit != credit per
transaction and overall, lines outside the period, unknown accounts or partners, partner id prefixes,
CUI check digits, VAT rates not in force on the line's date (``taxes``), and the accounting itself
(``ledger``): trial balances that do not balance, account and partner balances that do not roll forward,
control accounts that disagree with their partners, revenue or VAT collected with a debit balance. The
same pass counts lines and entries, sums the totals the header needs, and cuts the file into segments
at transaction boundaries, so the writer never holds more than one transaction in memory.

Source documents (sales/purchase invoices, payments) are checked the same way, one document at a time:
dates inside the period, known partners/accounts/tax codes, one number per document, invoice lines summing
to the document's net and gross totals, one side per payment line, each posted for its amount in the
ledger transaction it names (``links``); their section totals are counted here.
"""

from __future__ import annotations

from anaf_saft.context import Context, master_files
from anaf_saft.documents import check_invoices, check_payments, name_unreconciled
from anaf_saft.models import SaftRequest
from anaf_saft.plan import (
    MAX_FINDINGS_PER_CODE,
    DocumentTotals,
    Plan,
    SegmentPlan,
    grouped_documents,
    grouped_transactions,
    read_records,
)
from anaf_saft.records import ZERO, GLLine
from anaf_saft.sources import AccountingSource

__all__ = ["DocumentTotals", "Plan", "SegmentPlan", "check", "grouped_documents", "grouped_transactions"]


def _check_line(plan: Plan, ctx: Context, line: GLLine, where: str) -> None:
    if line.debit and line.credit:
        plan.add("both_sides", f"record {line.record_id} has both debit and credit", where=where)
    if line.account_id not in ctx.accounts:
        plan.add("unknown_account", f"record {line.record_id}: unknown account {line.account_id}", where=where)
    else:
        problem = ctx.ledger.post(line)
        if problem:
            plan.add("control_without_partner", problem, where=where)
    if line.customer_id != "0" and line.customer_id not in ctx.customers:
        plan.add("unknown_customer", f"record {line.record_id}: unknown customer {line.customer_id}", where=where)
    if line.supplier_id != "0" and line.supplier_id not in ctx.suppliers:
        plan.add("unknown_supplier", f"record {line.record_id}: unknown supplier {line.supplier_id}", where=where)
    ctx.tax(plan, line.tax_type, line.tax_code, line.transaction_date, where, f"record {line.record_id}")


def _check_lines(plan: Plan, ctx: Context, source: AccountingSource, max_lines_per_segment: int) -> None:
    first, last = ctx.req.period.first_day, ctx.req.period.last_day
    seg = SegmentPlan(index=1)
    finished_journals: set[str] = set()
    journal: str | None = None
    for tx in grouped_transactions(read_records(plan, source, "lines")):  # type: ignore[arg-type]
        head = tx[0]
        where = f"lines journal={head.journal_id} transaction={head.transaction_id}"
        if head.journal_id != journal:
            if head.journal_id in finished_journals:
                plan.add("unordered", f"journal {head.journal_id} appears again: order lines by journal", where=where)
            if journal is not None:
                finished_journals.add(journal)
            journal = head.journal_id
        debit = credit = ZERO
        for line in tx:
            debit += line.debit
            credit += line.credit
            _check_line(plan, ctx, line, where)
        ctx.links.post(tx)
        if not first <= head.transaction_date <= last:
            plan.add("outside_period", f"transaction date {head.transaction_date} outside {first}..{last}", where=where)
        if debit != credit:
            plan.add("unbalanced", f"debit {debit} != credit {credit}", where=where)
        if seg.lines and seg.lines + len(tx) > max_lines_per_segment:
            plan.segments.append(seg)
            seg = SegmentPlan(index=seg.index + 1)
        seg.lines += len(tx)
        seg.entries += 1
        seg.debit += debit
        seg.credit += credit
        plan.lines += len(tx)
        plan.entries += 1
        plan.debit += debit
        plan.credit += credit
    plan.segments.append(seg)
    if plan.debit != plan.credit:
        plan.add("unbalanced_total", f"total debit {plan.debit} != total credit {plan.credit}", where="lines")


def check(req: SaftRequest, source: AccountingSource, *, max_lines_per_segment: int) -> Plan:
    """Pass 1: every check over the whole source, the totals and the segment cut."""
    plan = Plan()
    ctx = master_files(plan, req, source)
    for kind in ("sales_invoices", "purchase_invoices"):
        check_invoices(plan, ctx, source, kind)
    check_payments(plan, ctx, source)  # documents first: the lines pass then keeps only the transactions they name
    _check_lines(plan, ctx, source, max_lines_per_segment)
    for rule, message, where in ctx.ledger.findings():
        plan.add(rule, message, where=where)
    unreconciled = ctx.links.unreconciled(limit=MAX_FINDINGS_PER_CODE)
    if unreconciled:
        name_unreconciled(plan, ctx, source, unreconciled)
    return plan
