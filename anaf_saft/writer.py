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
from anaf_saft.models import SaftRequest
from anaf_saft.records import (
    Account,
    GLLine,
    InvoiceLine,
    Journal,
    Party,
    PaymentLine,
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
            _address(o, c.address.street, c.address.number, c.address.city, c.address.postal_code, c.address.region, c.address.country)
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


def _address(o: _Out, street: str | None, number: str | None, city: str, postal: str | None, region: str | None, country: str) -> None:
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
                    o.leaves(("AccountID", a.account_id), ("AccountDescription", a.description),
                             ("StandardAccountID", a.standard_account_id), ("AccountType", a.account_type))
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
                            o.leaves(("TaxCode", t.tax_code), ("Description", t.description),
                                     ("TaxPercentage", f"{t.percentage:.2f}"), ("BaseRate", f"{t.base_rate:.2f}"),
                                     ("Country", t.country))
        with o.el("UOMTable"):
            for u in _records(source, "uom") if full else ():
                assert isinstance(u, Uom)
                with o.el("UOMTableEntry"):
                    o.leaves(("UnitOfMeasure", u.code), ("Description", u.description))
        for tag in ("AnalysisTypeTable", "MovementTypeTable", "Products", "Owners", "Assets"):
            with o.el(tag):
                pass


def _esc(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _amount_xml(tag: str, value: Decimal) -> str:
    m = f"{value:.2f}"
    return f"<{tag}><Amount>{m}</Amount><CurrencyCode>RON</CurrencyCode><CurrencyAmount>{m}</CurrencyAmount></{tag}>"


def _transaction_xml(tx: list[GLLine]) -> bytes:
    """One Transaction as UTF-8 text in the default namespace (the hot path: no per-element objects)."""
    h = tx[0]
    date = h.transaction_date.isoformat()
    parts = [
        f"<Transaction><TransactionID>{_esc(h.transaction_id)}</TransactionID><Period>{h.transaction_date.month}</Period>"
        f"<PeriodYear>{h.transaction_date.year}</PeriodYear><TransactionDate>{date}</TransactionDate>",
        f"<SourceID>{_esc(h.source_id)}</SourceID>" if h.source_id else "",
        f"<Description>{_esc(h.transaction_description)}</Description><SystemEntryDate>{date}</SystemEntryDate>"
        f"<GLPostingDate>{date}</GLPostingDate><CustomerID>{_esc(h.customer_id)}</CustomerID>"
        f"<SupplierID>{_esc(h.supplier_id)}</SupplierID>",
    ]
    for line in tx:
        parts.append(
            f"<TransactionLine><RecordID>{_esc(line.record_id)}</RecordID><AccountID>{_esc(line.account_id)}</AccountID>"
            f"<CustomerID>{_esc(line.customer_id)}</CustomerID><SupplierID>{_esc(line.supplier_id)}</SupplierID>"
            f"<Description>{_esc(line.description)}</Description>"
            + (_amount_xml("CreditAmount", line.credit) if line.credit else _amount_xml("DebitAmount", line.debit))
            + f"<TaxInformation><TaxType>{_esc(line.tax_type)}</TaxType><TaxCode>{_esc(line.tax_code)}</TaxCode>"
            + _amount_xml("TaxAmount", line.tax_amount)
            + "</TaxInformation></TransactionLine>"
        )
    parts.append("</Transaction>")
    return "".join(parts).encode("utf-8")


def _tax_xml(tax_type: str, tax_code: str, percentage: Decimal | None, base: Decimal | None, amount: Decimal,
             tag: str = "TaxInformation") -> str:
    return (
        f"<{tag}><TaxType>{_esc(tax_type)}</TaxType><TaxCode>{_esc(tax_code)}</TaxCode>"
        + (f"<TaxPercentage>{percentage:f}</TaxPercentage>" if percentage is not None else "")
        + (f"<TaxBase>{base:.2f}</TaxBase>" if base is not None else "")
        + _amount_xml("TaxAmount", amount)
        + f"</{tag}>"
    )


#: party id -> (street, city, country) from the master files, for the invoices' BillingAddress
Addresses = dict[str, tuple[str, str, str]]


def _invoice_xml(doc: list[InvoiceLine], sales: bool, addresses: Addresses) -> bytes:
    """One Invoice (sales: CustomerInfo, purchase: SupplierInfo) with its lines and document totals."""
    h = doc[0]
    info, id_tag, normal = ("CustomerInfo", "CustomerID", "C") if sales else ("SupplierInfo", "SupplierID", "D")
    street, city, country = addresses[h.party_id]
    parts = [
        f"<Invoice><InvoiceNo>{_esc(h.invoice_no)}</InvoiceNo><{info}><{id_tag}>{_esc(h.party_id)}</{id_tag}><BillingAddress>",
        f"<StreetName>{_esc(street)}</StreetName>" if street else "",
        f"<City>{_esc(city)}</City><Country>{_esc(country)}</Country><AddressType>BillingAddress</AddressType>"
        f"</BillingAddress></{info}><AccountID>{_esc(h.account_id)}</AccountID><Period>{h.invoice_date.month}</Period>"
        f"<PeriodYear>{h.invoice_date.year}</PeriodYear><InvoiceDate>{h.invoice_date.isoformat()}</InvoiceDate>"
        f"<InvoiceType>{_esc(h.invoice_type)}</InvoiceType><SelfBillingIndicator>{_esc(h.self_billing)}</SelfBillingIndicator>",
        f"<SourceID>{_esc(h.source_id)}</SourceID>" if h.source_id else "",
        f"<TransactionID>{_esc(h.transaction_id)}</TransactionID>" if h.transaction_id else "",
    ]
    taxes: dict[tuple[str, str, Decimal | None], list[Decimal]] = {}
    for n, line in enumerate(doc, 1):
        parts.append(
            f"<InvoiceLine><LineNumber>{_esc(line.line_number or str(n))}</LineNumber>"
            f"<AccountID>{_esc(line.line_account_id)}</AccountID>"
            + (f"<ProductCode>{_esc(line.product_code)}</ProductCode>" if line.product_code else "")
            + f"<Quantity>{line.quantity:f}</Quantity>"
            + (f"<InvoiceUOM>{_esc(line.uom)}</InvoiceUOM>" if line.uom else "")
            + f"<UnitPrice>{line.unit_price:.2f}</UnitPrice><TaxPointDate>{line.tax_point_date.isoformat()}</TaxPointDate>"
            f"<Description>{_esc(line.description)}</Description>"
            + _amount_xml("InvoiceLineAmount", line.amount)
            + f"<DebitCreditIndicator>{line.debit_credit}</DebitCreditIndicator>"
            + _tax_xml(line.tax_type, line.tax_code, line.tax_percentage, line.tax_base, line.tax_amount)
            + "</InvoiceLine>"
        )
        sign = 1 if line.debit_credit == normal else -1
        acc = taxes.setdefault((line.tax_type, line.tax_code, line.tax_percentage), [Decimal(0), Decimal(0)])
        acc[0] += sign * line.tax_base
        acc[1] += sign * line.tax_amount
    parts.append("<InvoiceDocumentTotals>")
    for (tax_type, tax_code, pct), (base, amount) in taxes.items():
        parts.append(_tax_xml(tax_type, tax_code, pct, base, amount, "TaxInformationTotals"))
    parts.append(f"<NetTotal>{h.net_total:.2f}</NetTotal><GrossTotal>{h.gross_total:.2f}</GrossTotal>"
                 "</InvoiceDocumentTotals></Invoice>")
    return "".join(parts).encode("utf-8")


def _payment_xml(doc: list[PaymentLine]) -> bytes:
    h = doc[0]
    parts = [
        f"<Payment><PaymentRefNo>{_esc(h.payment_ref)}</PaymentRefNo><Period>{h.payment_date.month}</Period>"
        f"<PeriodYear>{h.payment_date.year}</PeriodYear>",
        f"<TransactionID>{_esc(h.transaction_id)}</TransactionID>" if h.transaction_id else "",
        f"<TransactionDate>{h.payment_date.isoformat()}</TransactionDate><PaymentMethod>{_esc(h.payment_method)}</PaymentMethod>"
        f"<Description>{_esc(h.payment_description)}</Description>",
        f"<SourceID>{_esc(h.source_id)}</SourceID>" if h.source_id else "",
    ]
    for n, line in enumerate(doc, 1):
        side, amount = ("D", line.debit) if line.debit else ("C", line.credit)
        parts.append(
            f"<PaymentLine><LineNumber>{_esc(line.line_number or str(n))}</LineNumber>"
            + (f"<SourceDocumentID>{_esc(line.source_document_id)}</SourceDocumentID>" if line.source_document_id else "")
            + f"<AccountID>{_esc(line.account_id)}</AccountID><CustomerID>{_esc(line.customer_id)}</CustomerID>"
            f"<SupplierID>{_esc(line.supplier_id)}</SupplierID>"
            + (f"<Description>{_esc(line.description)}</Description>" if line.description else "")
            + f"<DebitCreditIndicator>{side}</DebitCreditIndicator>"
            + _amount_xml("PaymentLineAmount", amount)
            + _tax_xml(line.tax_type, line.tax_code, None, None, line.tax_amount)
            + "</PaymentLine>"
        )
    parts.append("</Payment>")
    return "".join(parts).encode("utf-8")


def _addresses(source: AccountingSource, kind: str) -> Addresses:
    out: Addresses = {}
    for p in _records(source, kind):
        assert isinstance(p, Party)
        out[p.party_id] = (p.street, p.city, p.country)
    return out


def _source_documents(o: _Out, fh: BinaryIO, source: AccountingSource, plan: Plan, full: bool) -> None:
    """SalesInvoices, PurchaseInvoices and Payments with their real totals in segment 1; empty sections elsewhere."""
    with o.el("SourceDocuments"):
        for kind, tag in (("sales_invoices", "SalesInvoices"), ("purchase_invoices", "PurchaseInvoices"), ("payments", "Payments")):
            totals = plan.documents[kind]
            with o.el(tag):
                if not full or not totals.entries:
                    o.leaves(("NumberOfEntries", "0"), ("TotalDebit", "0.00"), ("TotalCredit", "0.00"))
                    continue
                o.leaves(("NumberOfEntries", str(totals.entries)), ("TotalDebit", _money(totals.debit)),
                         ("TotalCredit", _money(totals.credit)))
                written = 0
                if kind == "payments":
                    for pay in grouped_documents(_records(source, kind)):
                        fh.write(_payment_xml(pay))  # after a complete end tag: safe with buffered=False
                        written += 1
                else:
                    sales = kind == "sales_invoices"
                    addresses = _addresses(source, "customers" if sales else "suppliers")
                    for inv in grouped_documents(_records(source, kind)):
                        fh.write(_invoice_xml(inv, sales, addresses))
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
                    o.leaves(("NumberOfEntries", str(seg.entries)), ("TotalDebit", _money(seg.debit)),
                             ("TotalCredit", _money(seg.credit)))
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
                        fh.write(_transaction_xml(tx))  # after a complete end tag: safe with buffered=False
                        written += 1
                    if journal_ctx is not None:
                        journal_ctx.close()
                _source_documents(o, fh, source, plan, full=seg.index == 1)
    if next(txs, None) is not None:
        raise SaftSourceChangedError("lines changed between the check pass and the write pass")
