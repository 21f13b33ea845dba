"""The hot path of the D406 writer: transactions, invoices and payments rendered as escaped UTF-8 text.

A general-ledger transaction or a source document is one short string built with f-strings (no per-element
objects): a tenth of lxml's cost per line, the same bytes. Values were checked for XML-illegal characters by the
parser (``records.py``); ``esc`` escapes the three characters text content needs.
"""

from __future__ import annotations

from decimal import Decimal

from anaf_saft.records import GLLine, InvoiceLine, PaymentLine

__all__ = ["Addresses", "esc", "invoice_xml", "payment_xml", "transaction_xml"]


def esc(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def amount_xml(tag: str, value: Decimal) -> str:
    m = f"{value:.2f}"
    return f"<{tag}><Amount>{m}</Amount><CurrencyCode>RON</CurrencyCode><CurrencyAmount>{m}</CurrencyAmount></{tag}>"


def transaction_xml(tx: list[GLLine]) -> bytes:
    """One Transaction as UTF-8 text in the default namespace (the hot path: no per-element objects)."""
    h = tx[0]
    date = h.transaction_date.isoformat()
    parts = [
        f"<Transaction><TransactionID>{esc(h.transaction_id)}</TransactionID><Period>{h.transaction_date.month}</Period>"
        f"<PeriodYear>{h.transaction_date.year}</PeriodYear><TransactionDate>{date}</TransactionDate>",
        f"<SourceID>{esc(h.source_id)}</SourceID>" if h.source_id else "",
        f"<Description>{esc(h.transaction_description)}</Description><SystemEntryDate>{date}</SystemEntryDate>"
        f"<GLPostingDate>{date}</GLPostingDate><CustomerID>{esc(h.customer_id)}</CustomerID>"
        f"<SupplierID>{esc(h.supplier_id)}</SupplierID>",
    ]
    for line in tx:
        parts.append(
            f"<TransactionLine><RecordID>{esc(line.record_id)}</RecordID><AccountID>{esc(line.account_id)}</AccountID>"
            f"<CustomerID>{esc(line.customer_id)}</CustomerID><SupplierID>{esc(line.supplier_id)}</SupplierID>"
            f"<Description>{esc(line.description)}</Description>"
            + (amount_xml("CreditAmount", line.credit) if line.credit else amount_xml("DebitAmount", line.debit))
            + f"<TaxInformation><TaxType>{esc(line.tax_type)}</TaxType><TaxCode>{esc(line.tax_code)}</TaxCode>"
            + amount_xml("TaxAmount", line.tax_amount)
            + "</TaxInformation></TransactionLine>"
        )
    parts.append("</Transaction>")
    return "".join(parts).encode("utf-8")


def tax_xml(
    tax_type: str,
    tax_code: str,
    percentage: Decimal | None,
    base: Decimal | None,
    amount: Decimal,
    tag: str = "TaxInformation",
) -> str:
    return (
        f"<{tag}><TaxType>{esc(tax_type)}</TaxType><TaxCode>{esc(tax_code)}</TaxCode>"
        + (f"<TaxPercentage>{percentage:f}</TaxPercentage>" if percentage is not None else "")
        + (f"<TaxBase>{base:.2f}</TaxBase>" if base is not None else "")
        + amount_xml("TaxAmount", amount)
        + f"</{tag}>"
    )


#: party id -> (street, city, country) from the master files, for the invoices' BillingAddress
Addresses = dict[str, tuple[str, str, str]]


def invoice_xml(doc: list[InvoiceLine], sales: bool, addresses: Addresses) -> bytes:
    """One Invoice (sales: CustomerInfo, purchase: SupplierInfo) with its lines and document totals."""
    h = doc[0]
    info, id_tag, normal = ("CustomerInfo", "CustomerID", "C") if sales else ("SupplierInfo", "SupplierID", "D")
    street, city, country = addresses[h.party_id]
    parts = [
        f"<Invoice><InvoiceNo>{esc(h.invoice_no)}</InvoiceNo><{info}><{id_tag}>{esc(h.party_id)}</{id_tag}><BillingAddress>",
        f"<StreetName>{esc(street)}</StreetName>" if street else "",
        f"<City>{esc(city)}</City><Country>{esc(country)}</Country><AddressType>BillingAddress</AddressType>"
        f"</BillingAddress></{info}><AccountID>{esc(h.account_id)}</AccountID><Period>{h.invoice_date.month}</Period>"
        f"<PeriodYear>{h.invoice_date.year}</PeriodYear><InvoiceDate>{h.invoice_date.isoformat()}</InvoiceDate>"
        f"<InvoiceType>{esc(h.invoice_type)}</InvoiceType><SelfBillingIndicator>{esc(h.self_billing)}</SelfBillingIndicator>",
        f"<SourceID>{esc(h.source_id)}</SourceID>" if h.source_id else "",
        f"<TransactionID>{esc(h.transaction_id)}</TransactionID>" if h.transaction_id else "",
    ]
    taxes: dict[tuple[str, str, Decimal | None], list[Decimal]] = {}
    for n, line in enumerate(doc, 1):
        parts.append(
            f"<InvoiceLine><LineNumber>{esc(line.line_number or str(n))}</LineNumber>"
            f"<AccountID>{esc(line.line_account_id)}</AccountID>"
            + (f"<ProductCode>{esc(line.product_code)}</ProductCode>" if line.product_code else "")
            + f"<Quantity>{line.quantity:f}</Quantity>"
            + (f"<InvoiceUOM>{esc(line.uom)}</InvoiceUOM>" if line.uom else "")
            + f"<UnitPrice>{line.unit_price:.2f}</UnitPrice><TaxPointDate>{line.tax_point_date.isoformat()}</TaxPointDate>"
            f"<Description>{esc(line.description)}</Description>"
            + amount_xml("InvoiceLineAmount", line.amount)
            + f"<DebitCreditIndicator>{line.debit_credit}</DebitCreditIndicator>"
            + tax_xml(line.tax_type, line.tax_code, line.tax_percentage, line.tax_base, line.tax_amount)
            + "</InvoiceLine>"
        )
        sign = 1 if line.debit_credit == normal else -1
        acc = taxes.setdefault((line.tax_type, line.tax_code, line.tax_percentage), [Decimal(0), Decimal(0)])
        acc[0] += sign * line.tax_base
        acc[1] += sign * line.tax_amount
    parts.append("<InvoiceDocumentTotals>")
    for (tax_type, tax_code, pct), (base, amount) in taxes.items():
        parts.append(tax_xml(tax_type, tax_code, pct, base, amount, "TaxInformationTotals"))
    parts.append(
        f"<NetTotal>{h.net_total:.2f}</NetTotal><GrossTotal>{h.gross_total:.2f}</GrossTotal>"
        "</InvoiceDocumentTotals></Invoice>"
    )
    return "".join(parts).encode("utf-8")


def payment_xml(doc: list[PaymentLine]) -> bytes:
    h = doc[0]
    parts = [
        f"<Payment><PaymentRefNo>{esc(h.payment_ref)}</PaymentRefNo><Period>{h.payment_date.month}</Period>"
        f"<PeriodYear>{h.payment_date.year}</PeriodYear>",
        f"<TransactionID>{esc(h.transaction_id)}</TransactionID>" if h.transaction_id else "",
        f"<TransactionDate>{h.payment_date.isoformat()}</TransactionDate><PaymentMethod>{esc(h.payment_method)}</PaymentMethod>"
        f"<Description>{esc(h.payment_description)}</Description>",
        f"<SourceID>{esc(h.source_id)}</SourceID>" if h.source_id else "",
    ]
    for n, line in enumerate(doc, 1):
        side, amount = ("D", line.debit) if line.debit else ("C", line.credit)
        parts.append(
            f"<PaymentLine><LineNumber>{esc(line.line_number or str(n))}</LineNumber>"
            + (
                f"<SourceDocumentID>{esc(line.source_document_id)}</SourceDocumentID>"
                if line.source_document_id
                else ""
            )
            + f"<AccountID>{esc(line.account_id)}</AccountID><CustomerID>{esc(line.customer_id)}</CustomerID>"
            f"<SupplierID>{esc(line.supplier_id)}</SupplierID>"
            + (f"<Description>{esc(line.description)}</Description>" if line.description else "")
            + f"<DebitCreditIndicator>{side}</DebitCreditIndicator>"
            + amount_xml("PaymentLineAmount", amount)
            + tax_xml(line.tax_type, line.tax_code, None, None, line.tax_amount)
            + "</PaymentLine>"
        )
    parts.append("</Payment>")
    return "".join(parts).encode("utf-8")
