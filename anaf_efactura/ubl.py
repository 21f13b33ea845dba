"""``Invoice`` model -> UBL 2.1 XML with the CIUS-RO customization id (elements in XSD sequence order)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from anaf_efactura.invoice import Address, AllowanceCharge, Invoice, InvoiceLine, Party, Totals

__all__ = ["CIUS_RO", "NS", "build_ubl"]

CIUS_RO = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"
NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CAC = "{{{}}}".format(NS["cac"])
CBC = "{{{}}}".format(NS["cbc"])


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _number(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing zeros (quantities, prices, rates)."""
    text = f"{value.normalize():f}"
    return text if text not in ("-0", "") else "0"


class _Doc:
    def __init__(self, root: etree._Element, currency: str):
        self.root = root
        self.currency = currency

    def cbc(self, parent: etree._Element, name: str, value: str | None, **attrs: str) -> etree._Element | None:
        if value is None:
            return None
        el = etree.SubElement(parent, CBC + name, attrs)
        el.text = value
        return el

    def cac(self, parent: etree._Element, name: str) -> etree._Element:
        return etree.SubElement(parent, CAC + name)

    def money(self, parent: etree._Element, name: str, value: Decimal, currency: str | None = None) -> None:
        self.cbc(parent, name, _amount(value), currencyID=currency or self.currency)


def _address(d: _Doc, parent: etree._Element, name: str, address: Address) -> None:
    el = d.cac(parent, name)
    d.cbc(el, "StreetName", address.street)
    d.cbc(el, "AdditionalStreetName", address.additional_street)
    d.cbc(el, "CityName", address.city)
    d.cbc(el, "PostalZone", address.postal_code)
    d.cbc(el, "CountrySubentity", address.county)
    d.cbc(d.cac(el, "Country"), "IdentificationCode", address.country)


def _party(d: _Doc, parent: etree._Element, wrapper: str, party: Party) -> None:
    el = d.cac(d.cac(parent, wrapper), "Party")
    if party.trading_name:
        d.cbc(d.cac(el, "PartyName"), "Name", party.trading_name)
    _address(d, el, "PostalAddress", party.address)
    if party.vat_id:
        scheme = d.cac(el, "PartyTaxScheme")
        d.cbc(scheme, "CompanyID", party.vat_id)
        d.cbc(d.cac(scheme, "TaxScheme"), "ID", "VAT")
    legal = d.cac(el, "PartyLegalEntity")
    d.cbc(legal, "RegistrationName", party.name)
    d.cbc(legal, "CompanyID", party.legal_id)
    d.cbc(legal, "CompanyLegalForm", party.legal_form)
    if party.contact and (party.contact.name or party.contact.phone or party.contact.email):
        contact = d.cac(el, "Contact")
        d.cbc(contact, "Name", party.contact.name)
        d.cbc(contact, "Telephone", party.contact.phone)
        d.cbc(contact, "ElectronicMail", party.contact.email)


def _tax_category(
    d: _Doc,
    parent: etree._Element,
    name: str,
    category: str,
    rate: Decimal | None,
    code: str | None = None,
    reason: str | None = None,
) -> None:
    el = d.cac(parent, name)
    d.cbc(el, "ID", category)
    if rate is not None:
        d.cbc(el, "Percent", _number(rate))
    d.cbc(el, "TaxExemptionReasonCode", code)
    d.cbc(el, "TaxExemptionReason", reason)
    d.cbc(d.cac(el, "TaxScheme"), "ID", "VAT")


def _tax_totals(d: _Doc, root: etree._Element, invoice: Invoice, totals: Totals) -> None:
    total = d.cac(root, "TaxTotal")
    d.money(total, "TaxAmount", totals.tax)
    for b in totals.breakdown:
        sub = d.cac(total, "TaxSubtotal")
        d.money(sub, "TaxableAmount", b.taxable)
        d.money(sub, "TaxAmount", b.tax)
        _tax_category(
            d,
            sub,
            "TaxCategory",
            b.category,
            b.rate if b.category != "O" else None,
            b.exemption_code,
            b.exemption_reason,
        )
    if totals.tax_in_ron is not None:
        ron = d.cac(root, "TaxTotal")
        d.money(ron, "TaxAmount", totals.tax_in_ron, "RON")


def _allowance_charge(d: _Doc, root: etree._Element, item: AllowanceCharge) -> None:
    """BG-20 / BG-21 (cac:AllowanceCharge at document level)."""
    el = d.cac(root, "AllowanceCharge")
    d.cbc(el, "ChargeIndicator", "true" if item.charge else "false")
    d.cbc(el, "AllowanceChargeReasonCode", item.reason_code)
    d.cbc(el, "AllowanceChargeReason", item.reason)
    if item.percentage is not None:
        d.cbc(el, "MultiplierFactorNumeric", _number(item.percentage))
    assert item.amount is not None  # set by the model
    d.money(el, "Amount", item.amount)
    if item.base_amount is not None:
        d.money(el, "BaseAmount", item.base_amount)
    _tax_category(d, el, "TaxCategory", item.vat_category, item.vat_rate if item.vat_category != "O" else None)


def _monetary_total(d: _Doc, root: etree._Element, invoice: Invoice, totals: Totals) -> None:
    money = d.cac(root, "LegalMonetaryTotal")
    d.money(money, "LineExtensionAmount", totals.lines)
    d.money(money, "TaxExclusiveAmount", totals.tax_exclusive)
    d.money(money, "TaxInclusiveAmount", totals.tax_inclusive)
    if any(not a.charge for a in invoice.allowances_charges):
        d.money(money, "AllowanceTotalAmount", totals.allowances)
    if any(a.charge for a in invoice.allowances_charges):
        d.money(money, "ChargeTotalAmount", totals.charges)
    d.money(money, "PayableAmount", totals.payable)


def _line(d: _Doc, root: etree._Element, invoice: Invoice, index: int, line: InvoiceLine) -> None:
    credit = invoice.document_type == "credit_note"
    el = d.cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    d.cbc(el, "ID", str(index))
    d.cbc(el, "Note", line.note)
    d.cbc(el, "CreditedQuantity" if credit else "InvoicedQuantity", _number(line.quantity), unitCode=line.unit_code)
    d.money(el, "LineExtensionAmount", line.net_amount)
    item = d.cac(el, "Item")
    d.cbc(item, "Description", line.description)
    d.cbc(item, "Name", line.name)
    if line.seller_item_id:
        d.cbc(d.cac(item, "SellersItemIdentification"), "ID", line.seller_item_id)
    _tax_category(d, item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
    for attribute in line.attributes:
        prop = d.cac(item, "AdditionalItemProperty")
        d.cbc(prop, "Name", attribute.name)
        d.cbc(prop, "Value", attribute.value)
    d.cbc(d.cac(el, "Price"), "PriceAmount", _number(line.unit_price), currencyID=invoice.currency)


def _header(d: _Doc, root: etree._Element, invoice: Invoice, credit: bool) -> None:
    """BT-24, BT-1..BT-10, BG-1, BG-14 in XSD order (Invoice and CreditNote order TaxPointDate differently)."""
    d.cbc(root, "CustomizationID", CIUS_RO)
    d.cbc(root, "ID", invoice.number)
    d.cbc(root, "IssueDate", invoice.issue_date.isoformat())
    tax_point = invoice.tax_point_date.isoformat() if invoice.tax_point_date else None
    if credit:
        d.cbc(root, "TaxPointDate", tax_point)
    else:
        d.cbc(root, "DueDate", invoice.due_date.isoformat() if invoice.due_date else None)
    d.cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", invoice.effective_type_code)
    for note in invoice.all_notes:
        d.cbc(root, "Note", note)
    if not credit:
        d.cbc(root, "TaxPointDate", tax_point)
    d.cbc(root, "DocumentCurrencyCode", invoice.currency)
    if invoice.currency != "RON":
        d.cbc(root, "TaxCurrencyCode", "RON")
    d.cbc(root, "BuyerReference", invoice.buyer_reference)
    if invoice.period_start or invoice.period_end or invoice.vat_point_code:
        period = d.cac(root, "InvoicePeriod")
        d.cbc(period, "StartDate", invoice.period_start.isoformat() if invoice.period_start else None)
        d.cbc(period, "EndDate", invoice.period_end.isoformat() if invoice.period_end else None)
        d.cbc(period, "DescriptionCode", invoice.vat_point_code)


def _references(d: _Doc, root: etree._Element, invoice: Invoice) -> None:
    if invoice.order_reference:
        d.cbc(d.cac(root, "OrderReference"), "ID", invoice.order_reference)
    for preceding in invoice.preceding_invoices:
        ref = d.cac(d.cac(root, "BillingReference"), "InvoiceDocumentReference")
        d.cbc(ref, "ID", preceding.number)
        d.cbc(ref, "IssueDate", preceding.issue_date.isoformat() if preceding.issue_date else None)
    if invoice.contract_reference:
        d.cbc(d.cac(root, "ContractDocumentReference"), "ID", invoice.contract_reference)


def _delivery_and_payment(d: _Doc, root: etree._Element, invoice: Invoice, credit: bool) -> None:
    """BG-13/BG-15, BG-16/BG-17 (a credit note's BT-9 rides on its payment means), BT-20."""
    if invoice.delivery is not None:
        delivery = d.cac(root, "Delivery")
        d.cbc(delivery, "ActualDeliveryDate", invoice.delivery.date.isoformat() if invoice.delivery.date else None)
        if invoice.delivery.address is not None:
            _address(d, d.cac(delivery, "DeliveryLocation"), "Address", invoice.delivery.address)
        if invoice.delivery.party_name:
            d.cbc(d.cac(d.cac(delivery, "DeliveryParty"), "PartyName"), "Name", invoice.delivery.party_name)
    if invoice.payment is not None:
        payment = invoice.payment
        means = d.cac(root, "PaymentMeans")
        d.cbc(means, "PaymentMeansCode", payment.means_code)
        if credit and invoice.due_date:  # the CreditNote binding of BT-9
            d.cbc(means, "PaymentDueDate", invoice.due_date.isoformat())
        d.cbc(means, "PaymentID", payment.payment_id)
        if payment.iban:
            account = d.cac(means, "PayeeFinancialAccount")
            d.cbc(account, "ID", payment.iban)
            d.cbc(account, "Name", payment.account_name)
    if invoice.payment_terms:
        d.cbc(d.cac(root, "PaymentTerms"), "Note", invoice.payment_terms)


def build_ubl(invoice: Invoice) -> bytes:
    """UTF-8 UBL 2.1 bytes (with XML declaration) for ``invoice``."""
    credit = invoice.document_type == "credit_note"
    nsmap = {None: NS["cn" if credit else "inv"], "cac": NS["cac"], "cbc": NS["cbc"]}
    tag = "CreditNote" if credit else "Invoice"
    root = etree.Element(f"{{{NS['cn' if credit else 'inv']}}}{tag}", nsmap=nsmap)
    d = _Doc(root, invoice.currency)
    totals = invoice.totals()
    _header(d, root, invoice, credit)
    _references(d, root, invoice)
    _party(d, root, "AccountingSupplierParty", invoice.seller)
    _party(d, root, "AccountingCustomerParty", invoice.buyer)
    _delivery_and_payment(d, root, invoice, credit)
    for item in invoice.allowances_charges:
        _allowance_charge(d, root, item)
    _tax_totals(d, root, invoice, totals)
    _monetary_total(d, root, invoice, totals)
    for index, line in enumerate(invoice.lines, start=1):
        _line(d, root, invoice, index, line)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
