"""Our own checks, run over the whole source before any XML is written (pass 1 of 2).

They find what ANAF's validator would reject, and more: unparseable rows, debit != credit per
transaction and overall, lines outside the period, unknown accounts or partners, account balances that
do not roll forward (opening + debit - credit = closing), partner id prefixes, CUI check digits. The
same pass counts lines and entries, sums the totals the header needs, and cuts the file into segments
at transaction boundaries, so the writer never holds more than one transaction in memory.

Source documents (sales/purchase invoices, payments) are checked the same way, one document at a time:
dates inside the period, known partners/accounts/tax codes, one number per document, invoice lines summing
to the document's net and gross totals, one side per payment line; their section totals are counted here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

from anaf_core.cui import is_valid_cui
from anaf_saft.identifiers import partner_id_problem
from anaf_saft.models import Finding, SaftRequest
from anaf_saft.records import (
    DOCUMENT_KINDS,
    ZERO,
    Account,
    GLLine,
    InvoiceLine,
    Party,
    PaymentLine,
    RecordError,
    parse,
)
from anaf_saft.sources import AccountingSource

__all__ = ["DocumentTotals", "Plan", "SegmentPlan", "check", "grouped_documents", "grouped_transactions"]

MAX_FINDINGS_PER_CODE = 50


@dataclass
class SegmentPlan:
    index: int
    lines: int = 0
    entries: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass
class DocumentTotals:
    """One SourceDocuments section (SalesInvoices, PurchaseInvoices, Payments): entries and line totals."""

    entries: int = 0
    lines: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def _empty_documents() -> dict[str, DocumentTotals]:
    return {kind: DocumentTotals() for kind in DOCUMENT_KINDS}


@dataclass
class Plan:
    """Everything pass 1 learnt: findings, totals and the segment cut."""

    findings: list[Finding] = field(default_factory=list)
    segments: list[SegmentPlan] = field(default_factory=list)
    lines: int = 0
    entries: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    documents: dict[str, DocumentTotals] = field(default_factory=_empty_documents)
    _counts: dict[str, int] = field(default_factory=dict)

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.fatal]

    def add(self, code: str, message: str, *, where: str = "", fatal: bool = True) -> None:
        n = self._counts.get(code, 0) + 1
        self._counts[code] = n
        if n <= MAX_FINDINGS_PER_CODE:
            self.findings.append(Finding(source="checks", code=code, message=message, fatal=fatal, where=where))
        elif n == MAX_FINDINGS_PER_CODE + 1:
            self.findings.append(
                Finding(source="checks", code=code, message=f"more {code} findings not listed", fatal=fatal, where="")
            )


def _records(plan: Plan, source: AccountingSource, kind: str) -> Iterator[object]:
    try:
        for n, row in enumerate(source.rows(kind), 1):
            try:
                yield parse(kind, row)
            except RecordError as exc:
                plan.add("bad_row", str(exc), where=f"{kind}[{n}]")
    except ValueError as exc:  # unreadable file (not JSON, bad encoding)
        plan.add("bad_file", str(exc), where=kind)
    except UnicodeDecodeError:
        plan.add("bad_file", "not UTF-8 text", where=kind)


def grouped_transactions(lines: Iterator[GLLine]) -> Iterator[list[GLLine]]:
    """Consecutive lines with the same (journal, transaction) form one transaction."""
    current: list[GLLine] = []
    key: tuple[str, str] | None = None
    for line in lines:
        k = (line.journal_id, line.transaction_id)
        if k != key and current:
            yield current
            current = []
        key = k
        current.append(line)
    if current:
        yield current


class _Document(Protocol):
    @property
    def document(self) -> tuple[str, str]: ...


_D = TypeVar("_D", bound=_Document)


def grouped_documents(lines: Iterator[_D]) -> Iterator[list[_D]]:
    """Consecutive lines with the same document key (partner and invoice number, or payment reference) form one document."""
    current: list[_D] = []
    key: tuple[str, str] | None = None
    for line in lines:
        k = line.document
        if k != key and current:
            yield current
            current = []
        key = k
        current.append(line)
    if current:
        yield current


def _check_invoices(
    plan: Plan, req: SaftRequest, source: AccountingSource, kind: str, accounts: dict[str, Account],
    parties: set[str], tax_codes: set[tuple[str, str]],
) -> None:
    totals = plan.documents[kind]
    sales = kind == "sales_invoices"
    party_code, party_name, normal = ("unknown_customer", "customer", "C") if sales else ("unknown_supplier", "supplier", "D")
    first, last = req.period.first_day, req.period.last_day
    seen: set[tuple[str, str]] = set()  # one key per invoice of the period (not per line)
    records: Iterator[InvoiceLine] = _records(plan, source, kind)  # type: ignore[assignment]
    for doc in grouped_documents(records):
        head = doc[0]
        where = f"{kind} invoice={head.invoice_no} {party_name}={head.party_id}"
        if head.document in seen:
            plan.add("duplicate_document", f"invoice {head.invoice_no} of {party_name} {head.party_id} appears twice "
                     "(same number again, or its lines are not consecutive)", where=where)
        seen.add(head.document)
        if not first <= head.invoice_date <= last:
            plan.add("outside_period", f"invoice date {head.invoice_date} outside {first}..{last}", where=where)
        if head.party_id not in parties:
            plan.add(party_code, f"invoice {head.invoice_no}: unknown {party_name} {head.party_id}", where=where)
        if head.account_id not in accounts:
            plan.add("unknown_account", f"invoice {head.invoice_no}: unknown account {head.account_id}", where=where)
        net = tax = ZERO
        for n, line in enumerate(doc, 1):
            ln = line.line_number or str(n)
            if line.header != head.header:
                plan.add("inconsistent_document", f"line {ln}: invoice columns (date, type, account, totals...) differ "
                         "from the invoice's first line", where=where)
            if line.line_account_id not in accounts:
                plan.add("unknown_account", f"line {ln}: unknown account {line.line_account_id}", where=where)
            if tax_codes and line.tax_type != "000" and (line.tax_type, line.tax_code) not in tax_codes:
                plan.add("unknown_tax_code", f"line {ln}: tax {line.tax_type}/{line.tax_code} not in the tax table", where=where)
            sign = 1 if line.debit_credit == normal else -1
            net += sign * line.amount
            tax += sign * line.tax_amount
            if line.debit_credit == "D":
                totals.debit += line.amount
            else:
                totals.credit += line.amount
        if net != head.net_total:
            plan.add("invoice_totals", f"invoice {head.invoice_no}: lines sum to {net}, net_total is {head.net_total}", where=where)
        if net + tax != head.gross_total:
            plan.add("invoice_totals", f"invoice {head.invoice_no}: net {net} + tax {tax} != gross_total {head.gross_total}",
                     where=where)
        totals.entries += 1
        totals.lines += len(doc)


def _check_payments(
    plan: Plan, req: SaftRequest, source: AccountingSource, accounts: dict[str, Account],
    partners: dict[str, set[str]], tax_codes: set[tuple[str, str]],
) -> None:
    totals = plan.documents["payments"]
    first, last = req.period.first_day, req.period.last_day
    seen: set[str] = set()
    records: Iterator[PaymentLine] = _records(plan, source, "payments")  # type: ignore[assignment]
    for doc in grouped_documents(records):
        head = doc[0]
        where = f"payments payment={head.payment_ref}"
        if head.payment_ref in seen:
            plan.add("duplicate_document", f"payment {head.payment_ref} appears twice (same reference again, or its "
                     "lines are not consecutive)", where=where)
        seen.add(head.payment_ref)
        if not first <= head.payment_date <= last:
            plan.add("outside_period", f"payment date {head.payment_date} outside {first}..{last}", where=where)
        for n, line in enumerate(doc, 1):
            ln = line.line_number or str(n)
            if line.header != head.header:
                plan.add("inconsistent_document", f"line {ln}: payment columns (date, method, description...) differ "
                         "from the payment's first line", where=where)
            if line.debit and line.credit:
                plan.add("both_sides", f"line {ln} has both debit and credit", where=where)
            elif not line.debit and not line.credit:
                plan.add("no_amount", f"line {ln} has neither debit nor credit", where=where)
            if line.account_id not in accounts:
                plan.add("unknown_account", f"line {ln}: unknown account {line.account_id}", where=where)
            if line.customer_id not in partners["customers"]:
                plan.add("unknown_customer", f"line {ln}: unknown customer {line.customer_id}", where=where)
            if line.supplier_id not in partners["suppliers"]:
                plan.add("unknown_supplier", f"line {ln}: unknown supplier {line.supplier_id}", where=where)
            if tax_codes and line.tax_type != "000" and (line.tax_type, line.tax_code) not in tax_codes:
                plan.add("unknown_tax_code", f"line {ln}: tax {line.tax_type}/{line.tax_code} not in the tax table", where=where)
            totals.debit += line.debit
            totals.credit += line.credit
        totals.entries += 1
        totals.lines += len(doc)


def check(req: SaftRequest, source: AccountingSource, *, max_lines_per_segment: int) -> Plan:
    plan = Plan()
    company = req.company.registration_number.removeprefix("RO")
    if not is_valid_cui(company):
        plan.add("company_cui", f"company registration number {company} fails the CUI check digit")

    accounts: dict[str, Account] = {}
    for acc in _records(plan, source, "accounts"):
        assert isinstance(acc, Account)
        if acc.account_id in accounts:
            plan.add("duplicate_account", f"account {acc.account_id} listed twice", where="accounts")
        accounts[acc.account_id] = acc
    if not accounts:
        plan.add("no_accounts", "the chart of accounts (GeneralLedgerAccounts) is empty", where="accounts")

    partners: dict[str, set[str]] = {"customers": {"0"}, "suppliers": {"0"}}
    for kind in ("customers", "suppliers"):
        for party in _records(plan, source, kind):
            assert isinstance(party, Party)
            problem = partner_id_problem(party.registration_number)
            if problem:
                plan.add("partner_id", f"{party.party_id}: {problem}", where=kind)
            if party.account_id not in accounts:
                plan.add("unknown_account", f"{party.party_id} uses unknown account {party.account_id}", where=kind)
            partners[kind].add(party.party_id)
    tax_codes = {(t.tax_type, t.tax_code) for t in _records(plan, source, "tax_codes")}  # type: ignore[attr-defined]
    for _ in _records(plan, source, "uom"):
        pass
    for _ in _records(plan, source, "journals"):
        pass

    moves: dict[str, Decimal] = {}
    first, last = req.period.first_day, req.period.last_day
    seg = SegmentPlan(index=1)
    finished_journals: set[str] = set()
    journal: str | None = None
    for tx in grouped_transactions(_records(plan, source, "lines")):  # type: ignore[arg-type]
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
            if line.debit and line.credit:
                plan.add("both_sides", f"record {line.record_id} has both debit and credit", where=where)
            debit += line.debit
            credit += line.credit
            if line.account_id not in accounts:
                plan.add("unknown_account", f"record {line.record_id}: unknown account {line.account_id}", where=where)
            else:
                moves[line.account_id] = moves.get(line.account_id, ZERO) + line.debit - line.credit
            if line.customer_id not in partners["customers"]:
                plan.add("unknown_customer", f"record {line.record_id}: unknown customer {line.customer_id}", where=where)
            if line.supplier_id not in partners["suppliers"]:
                plan.add("unknown_supplier", f"record {line.record_id}: unknown supplier {line.supplier_id}", where=where)
            if tax_codes and line.tax_type != "000" and (line.tax_type, line.tax_code) not in tax_codes:
                plan.add("unknown_tax_code", f"record {line.record_id}: tax {line.tax_type}/{line.tax_code} not in the tax table", where=where)
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
    for acc in accounts.values():
        if acc.opening + moves.get(acc.account_id, ZERO) != acc.closing:
            plan.add(
                "balance",
                f"account {acc.account_id}: opening {acc.opening} + movements {moves.get(acc.account_id, ZERO)} != closing {acc.closing}",
                where="accounts",
            )
    for kind, party_kind in (("sales_invoices", "customers"), ("purchase_invoices", "suppliers")):
        _check_invoices(plan, req, source, kind, accounts, partners[party_kind] - {"0"}, tax_codes)
    _check_payments(plan, req, source, accounts, partners, tax_codes)
    return plan
