"""Romanian checks the official validators do not make, run on the UBL document itself (every path).

ANAF's CIUS-RO Schematron checks the shape of identifiers but not the CUI check digit. ``identifier_findings``
reads every party of the document (seller, buyer, tax representative): each ``RO`` VAT identifier
(BT-31, BT-48, BT-63) and each legal registration identifier written as a CUI (BT-30, BT-47) must carry
a valid check digit (``anaf_core.cui.cui_problem``, the same function the JSON model uses). Findings are fatal
with rule ``RO-CUI``.

``rate_findings`` compares every standard rated (S) line and document allowance/charge with the Romanian rates
in force (``anaf_core.vat``) on the tax point (BT-7, else the delivery date when BT-8 is 35, else the issue
date) or on a preceding invoice's date (an adjustment keeps its base operation's rate). A document from outside
cannot name an allowed exception, so these findings are warnings (rule ``RO-VAT-RATE``); the JSON model refuses
the same rates unless the payload names an exception.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from lxml import etree

from anaf_core.cui import cui_problem
from anaf_core.vat import VatRateError, check_rate
from shared.xml import Finding

__all__ = ["CUI_RULE", "RATE_RULE", "identifier_findings", "rate_findings"]

CUI_RULE = "RO-CUI"
RATE_RULE = "RO-VAT-RATE"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": _CAC, "cbc": _CBC}

#: party element -> (business term of its VAT id, business term of its legal id)
_PARTIES = {
    "cac:AccountingSupplierParty/cac:Party": ("BT-31", "BT-30"),
    "cac:AccountingCustomerParty/cac:Party": ("BT-48", "BT-47"),
    "cac:TaxRepresentativeParty": ("BT-63", None),
}


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


def identifier_findings(root: etree._Element) -> list[Finding]:
    """A fatal finding per Romanian CUI of ``root`` (a UBL Invoice or CreditNote) with a wrong check digit."""
    findings: list[Finding] = []
    tree = root.getroottree()
    for path, (vat_term, legal_term) in _PARTIES.items():
        for party in root.findall(path, NS):
            checks: list[tuple[str | None, str, bool]] = [
                (vat_term, "cac:PartyTaxScheme/cbc:CompanyID", True),
                (legal_term, "cac:PartyLegalEntity/cbc:CompanyID", False),
            ]
            for term, sub, vat in checks:
                if term is None:
                    continue
                for el in party.findall(sub, NS):
                    if not vat and not _romanian(party, el):
                        continue
                    problem = cui_problem(_text(el), vat_id=vat)
                    if problem is not None:
                        findings.append(Finding("checks", CUI_RULE, f"{term} {problem}", True, tree.getpath(el)))
    return findings


def _romanian(party: etree._Element, legal_id: etree._Element) -> bool:
    """A legal id is a Romanian CUI when its party is in Romania or says so (scheme, RO VAT id)."""
    country = party.findtext("cac:PostalAddress/cac:Country/cbc:IdentificationCode", default="", namespaces=NS)
    vat = party.findtext("cac:PartyTaxScheme/cbc:CompanyID", default="", namespaces=NS)
    return country.strip() == "RO" or vat.strip().upper().startswith("RO") or _text(legal_id).upper().startswith("RO")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _tax_point(root: etree._Element) -> dt.date | None:
    explicit = _date(root.findtext("cbc:TaxPointDate", namespaces=NS))
    if explicit is not None:
        return explicit
    if (root.findtext("cac:InvoicePeriod/cbc:DescriptionCode", namespaces=NS) or "").strip() == "35":
        delivered = _date(root.findtext("cac:Delivery/cbc:ActualDeliveryDate", namespaces=NS))
        if delivered is not None:
            return delivered
    return _date(root.findtext("cbc:IssueDate", namespaces=NS))


def rate_findings(root: etree._Element) -> list[Finding]:
    """A warning per standard rated item whose rate was not in force on the tax point nor on a base date."""
    day = _tax_point(root)
    if day is None:
        return []  # the XSD / BR-RO-DT rules report the date
    bases = tuple(
        d
        for d in (
            _date(t)
            for t in root.xpath("cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate/text()", namespaces=NS)
        )
        if d is not None
    )
    tree = root.getroottree()
    paths = (
        "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory",
        "cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory",
        "cac:AllowanceCharge/cac:TaxCategory",
    )
    findings = []
    for category in (c for path in paths for c in root.findall(path, NS)):
        if (category.findtext("cbc:ID", namespaces=NS) or "").strip() != "S":
            continue
        try:
            rate = Decimal((category.findtext("cbc:Percent", namespaces=NS) or "").strip())
        except InvalidOperation:
            continue  # the Schematron reports a missing or malformed rate
        problem = _rate_problem(rate, day, bases)
        if problem is not None:
            findings.append(Finding("checks", RATE_RULE, problem, False, tree.getpath(category)))
    return findings


def _rate_problem(rate: Decimal, day: dt.date, bases: tuple[dt.date, ...]) -> str | None:
    try:
        check_rate(rate, day)
        return None
    except VatRateError as exc:
        if bases:
            try:
                check_rate(rate, day, "adjustment", bases)
                return None
            except VatRateError:
                pass
        return exc.message
