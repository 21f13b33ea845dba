"""Streaming D406 writer (pass 2 of 2): lxml ``xmlfile``, one transaction in memory at a time.

The document structure (header, master files, journals) goes through ``etree.xmlfile`` unbuffered; the
general-ledger transactions, which are the bulk of a file (a million lines and more), are rendered as
escaped text straight into the same file between two complete tags: a tenth of the cost per line, same
bytes. Record values were checked for XML-illegal characters by the parser (``records.py``). Source
documents (invoices, payments) are streamed the same way, one document in memory at a time, into segment 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any, BinaryIO

from lxml import etree

from anaf_saft.checks import Plan, SegmentPlan, grouped_documents, grouped_transactions
from anaf_saft.errors import SaftSourceChangedError
from anaf_saft.fragments import Addresses, invoice_xml, payment_xml, transaction_xml
from anaf_saft.models import SaftRequest
from anaf_saft.records import (
    Account,
    Journal,
    Party,
    RecordError,
    TaxCode,
    Uom,
    parse,
)
from anaf_saft.sources import AccountingSource

__all__ = ["NS_PRODUCTION", "NS_TEST", "namespace_for", "write_segments"]

NS_PRODUCTION = "mfp:anaf:dgti:d406:declaratie:v1"
NS_TEST = "mfp:anaf:dgti:d406t:declaratie:v1"


def namespace_for(test: bool) -> str:
    return NS_TEST if test else NS_PRODUCTION


def _money(d: Decimal) -> str:
    return f"{d:.2f}"


class _Out:
    """Tiny helpers over ``xmlfile`` bound to one namespace."""

    def __init__(self, xf: Any, ns: str):
        self.xf = xf
        self.ns = ns
        self._q: dict[str, str] = {}

    def q(self, tag: str) -> str:
        try:
            return self._q[tag]
        except KeyError:
            self._q[tag] = v = f"{{{self.ns}}}{tag}"
            return v

    def el(self, tag: str) -> Any:
        return self.xf.element(self.q(tag))

    def leaf(self, tag: str, text: str) -> None:
        with self.xf.element(self.q(tag)):
            self.xf.write(text)

    def leaves(self, *pairs: tuple[str, str]) -> None:
        for tag, text in pairs:
            with self.xf.element(self.q(tag)):
                self.xf.write(text)

    def amount(self, tag: str, value: Decimal) -> None:
        m = _money(value)
        with self.el(tag):
            self.leaves(("Amount", m), ("CurrencyCode", "RON"), ("CurrencyAmount", m))


def _records(source: AccountingSource, kind: str) -> Iterator[Any]:
    for row in source.rows(kind):
        try:
            yield parse(kind, row)
        except RecordError as exc:  # pass 1 already refused the file; a source that changed under us
            raise SaftSourceChangedError(f"{kind} changed between the check pass and the write pass: {exc}") from exc


def _header(o: _Out, req: SaftRequest, seg: SegmentPlan, total: int, software: tuple[str, str, str]) -> None:
    c = req.company
    with o.el("Header"):
        o.leaves(
            ("AuditFileVersion", "2.0"),
            ("AuditFileCountry", "RO"),
            ("AuditFileDateCreated", (req.created or dt.date.today()).isoformat()),
            ("SoftwareCompanyName", software[0]),
            ("SoftwareID", software[1]),
            ("SoftwareVersion", software[2]),
        )
        with o.el("Company"):
            o.leaves(("RegistrationNumber", c.registration_number), ("Name", c.name))
            _address(
                o,
                c.address.street,
                c.address.number,
                c.address.city,
                c.address.postal_code,
                c.address.region,
                c.address.country,
            )
            with o.el("Contact"):
                with o.el("ContactPerson"):
                    o.leaves(("FirstName", c.contact.first_name), ("LastName", c.contact.last_name))
                o.leaf("Telephone", c.contact.telephone)
                if c.contact.email:
                    o.leaf("Email", c.contact.email)
            with o.el("BankAccount"):
                o.leaf("IBANNumber", c.iban)
        o.leaf("DefaultCurrencyCode", "RON")
        p = req.period
        with o.el("SelectionCriteria"):
            o.leaves(
                ("PeriodStart", str(p.start_month)),
                ("PeriodStartYear", str(p.year)),
                ("PeriodEnd", str(p.end_month)),
                ("PeriodEndYear", str(p.year)),
            )
        o.leaves(
            ("HeaderComment", req.period_type),
            ("SegmentIndex", str(seg.index)),
            ("TotalSegmentsInsequence", str(total)),
            ("TaxAccountingBasis", req.tax_accounting_basis),
        )


def _address(
    o: _Out, street: str | None, number: str | None, city: str, postal: str | None, region: str | None, country: str
) -> None:
    with o.el("Address"):
        if street:
            o.leaf("StreetName", street)
        if number:
            o.leaf("Number", number)
        o.leaf("City", city)
        if postal:
            o.leaf("PostalCode", postal)
        if region:
            o.leaf("Region", region)
        o.leaf("Country", country)


def _balance(o: _Out, prefix: str, value: Decimal) -> None:
    if value >= 0:
        o.leaf(f"{prefix}DebitBalance", _money(value))
    else:
        o.leaf(f"{prefix}CreditBalance", _money(-value))


def _master_files(o: _Out, source: AccountingSource, full: bool) -> None:
    with o.el("MasterFiles"):
        with o.el("GeneralLedgerAccounts"):
            for a in _records(source, "accounts") if full else ():
                assert isinstance(a, Account)
                with o.el("Account"):
                    o.leaves(
                        ("AccountID", a.account_id),
                        ("AccountDescription", a.description),
                        ("StandardAccountID", a.standard_account_id),
                        ("AccountType", a.account_type),
                    )
                    _balance(o, "Opening", a.opening)
                    _balance(o, "Closing", a.closing)
        for kind, tag, id_tag in (("customers", "Customer", "CustomerID"), ("suppliers", "Supplier", "SupplierID")):
            with o.el(f"{tag}s"):
                for p in _records(source, kind) if full else ():
                    assert isinstance(p, Party)
                    with o.el(tag):
                        with o.el("CompanyStructure"):
                            o.leaves(("RegistrationNumber", p.registration_number), ("Name", p.name))
                            _address(o, p.street or None, None, p.city, None, None, p.country)
                        o.leaves((id_tag, p.party_id), ("AccountID", p.account_id))
                        _balance(o, "Opening", p.opening)
                        _balance(o, "Closing", p.closing)
        with o.el("TaxTable"):
            taxes: dict[str, list[TaxCode]] = {}
            for t in _records(source, "tax_codes") if full else ():
                taxes.setdefault(t.tax_type, []).append(t)
            for tax_type, codes in taxes.items():
                with o.el("TaxTableEntry"):
                    o.leaves(("TaxType", tax_type), ("Description", "TVA" if tax_type == "300" else tax_type))
                    for t in codes:
                        with o.el("TaxCodeDetails"):
                            o.leaves(
                                ("TaxCode", t.tax_code),
                                ("Description", t.description),
                                ("TaxPercentage", f"{t.percentage:.2f}"),
                                ("BaseRate", f"{t.base_rate:.2f}"),
                                ("Country", t.country),
                            )
        with o.el("UOMTable"):
            for u in _records(source, "uom") if full else ():
                assert isinstance(u, Uom)
                with o.el("UOMTableEntry"):
                    o.leaves(("UnitOfMeasure", u.code), ("Description", u.description))
        for tag in ("AnalysisTypeTable", "MovementTypeTable", "Products", "Owners", "Assets"):
            with o.el(tag):
                pass


def _addresses(source: AccountingSource, kind: str) -> Addresses:
    out: Addresses = {}
    for p in _records(source, kind):
        assert isinstance(p, Party)
        out[p.party_id] = (p.street, p.city, p.country)
    return out


def _source_documents(o: _Out, fh: BinaryIO, source: AccountingSource, plan: Plan, full: bool) -> None:
    """SalesInvoices, PurchaseInvoices and Payments with their real totals in segment 1; empty sections elsewhere."""
    with o.el("SourceDocuments"):
        for kind, tag in (
            ("sales_invoices", "SalesInvoices"),
            ("purchase_invoices", "PurchaseInvoices"),
            ("payments", "Payments"),
        ):
            totals = plan.documents[kind]
            with o.el(tag):
                if not full or not totals.entries:
                    o.leaves(("NumberOfEntries", "0"), ("TotalDebit", "0.00"), ("TotalCredit", "0.00"))
                    continue
                o.leaves(
                    ("NumberOfEntries", str(totals.entries)),
                    ("TotalDebit", _money(totals.debit)),
                    ("TotalCredit", _money(totals.credit)),
                )
                written = 0
                if kind == "payments":
                    for pay in grouped_documents(_records(source, kind)):
                        fh.write(payment_xml(pay))  # after a complete end tag: safe with buffered=False
                        written += 1
                else:
                    sales = kind == "sales_invoices"
                    addresses = _addresses(source, "customers" if sales else "suppliers")
                    for inv in grouped_documents(_records(source, kind)):
                        fh.write(invoice_xml(inv, sales, addresses))
                        written += 1
                if written != totals.entries:
                    raise SaftSourceChangedError(f"{kind} changed between the check pass and the write pass")
        with o.el("MovementOfGoods"):
            pass


def write_segments(
    req: SaftRequest,
    source: AccountingSource,
    plan: Plan,
    open_segment: Callable[[int], BinaryIO],
    *,
    software: tuple[str, str, str],
) -> None:
    """Write every planned segment to the binary file ``open_segment(index)`` returns (closed here)."""
    ns = namespace_for(req.test)
    total = len(plan.segments)
    journals: dict[str, Journal] = {j.journal_id: j for j in _records(source, "journals")}
    txs = grouped_transactions(_records(source, "lines"))
    for seg in plan.segments:
        with ExitStack() as stack:
            fh = stack.enter_context(open_segment(seg.index))
            xf = stack.enter_context(etree.xmlfile(fh, encoding="UTF-8", buffered=False))
            xf.write_declaration()
            o = _Out(xf, ns)
            with xf.element(o.q("AuditFile"), nsmap={None: ns}):
                _header(o, req, seg, total, software)
                _master_files(o, source, full=seg.index == 1)
                with o.el("GeneralLedgerEntries"):
                    o.leaves(
                        ("NumberOfEntries", str(seg.entries)),
                        ("TotalDebit", _money(seg.debit)),
                        ("TotalCredit", _money(seg.credit)),
                    )
                    written = 0
                    journal: str | None = None
                    journal_ctx: ExitStack | None = None
                    while written < seg.entries:
                        tx = next(txs)
                        jid = tx[0].journal_id
                        if jid != journal:
                            if journal_ctx is not None:
                                journal_ctx.close()
                            journal_ctx = ExitStack()
                            journal_ctx.enter_context(o.el("Journal"))
                            j = journals.get(jid) or Journal(jid, jid, "GL")
                            o.leaves(("JournalID", j.journal_id), ("Description", j.description), ("Type", j.type))
                            journal = jid
                        fh.write(transaction_xml(tx))  # after a complete end tag: safe with buffered=False
                        written += 1
                    if journal_ctx is not None:
                        journal_ctx.close()
                _source_documents(o, fh, source, plan, full=seg.index == 1)
    if next(txs, None) is not None:
        raise SaftSourceChangedError("lines changed between the check pass and the write pass")
