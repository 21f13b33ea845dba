"""Romanian checks the official validators do not make, run on the UBL document itself (every path).

ANAF's CIUS-RO Schematron checks the shape of identifiers but not the CUI check digit. ``identifier_findings``
reads every party of the document (seller, buyer, tax representative): each ``RO`` VAT identifier
(BT-31, BT-48, BT-63) and each legal registration identifier written as a CUI (BT-30, BT-47) must carry
a valid check digit (``anaf_core.cui.cui_problem``, the same function the JSON model uses). Findings are fatal
with rule ``RO-CUI``.
"""

from __future__ import annotations

from lxml import etree

from anaf_core.cui import cui_problem
from shared.xml import Finding

__all__ = ["CUI_RULE", "identifier_findings"]

CUI_RULE = "RO-CUI"
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
    return (
        country.strip() == "RO"
        or vat.strip().upper().startswith("RO")
        or _text(legal_id).upper().startswith("RO")
    )
